/**
 * The diagram an instance runs on (bpmn-js NavigatedViewer), painted with what happened: elements
 * visited and flows taken, where tokens wait now, and where incidents are open.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorBanner } from '../../app/ui';
import { ApiError } from '../../app/api';
import { createViewer } from '../modeler/bpmn-setup';

export interface DiagramState {
  visited: string[];
  flows: string[];
  tokens: string[];
  incidents: string[];
}

type Registry = { get(id: string): unknown };
type Canvas = { addMarker(id: string, cls: string): void; zoom(v: string): void };
type Overlays = { add(id: string, type: string, o: unknown): void };

export function InstanceDiagram({ xml, state, onSelect }: { xml: string; state: DiagramState; onSelect?: (elementId: string) => void }) {
  const { t } = useTranslation('workflows');
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!ref.current) return;
    const viewer = createViewer(ref.current);
    let alive = true;
    void viewer
      .importXML(xml)
      .then(() => {
        if (!alive) return;
        const registry = viewer.get<Registry>('elementRegistry');
        const canvas = viewer.get<Canvas>('canvas');
        const overlays = viewer.get<Overlays>('overlays');
        const mark = (ids: string[], cls: string) => ids.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, cls));
        mark(state.visited, 'wf-visited');
        mark(state.flows, 'wf-taken');
        mark(state.tokens, 'wf-token');
        mark(state.incidents, 'wf-incident');
        const badge = (id: string, cls: string, text: string, title: string) => {
          if (!registry.get(id)) return;
          const el = document.createElement('div');
          el.className = cls;
          el.textContent = text;
          el.title = title;
          el.dataset.elementId = id;
          overlays.add(id, cls, { position: { top: -10, right: 10 }, html: el });
        };
        for (const id of new Set(state.tokens)) badge(id, 'wf-token-badge', '●', t('diagram.tokenHere'));
        for (const id of new Set(state.incidents)) badge(id, 'wf-incident-badge', '!', t('diagram.incidentHere'));
        canvas.zoom('fit-viewport');
        if (onSelect) {
          viewer.get<{ on(e: string, fn: (e: { element: { id: string; type: string } }) => void): void }>('eventBus').on('element.click', (e) => {
            if (e.element.type !== 'bpmn:Process') onSelect(e.element.id);
          });
        }
      })
      .catch((err: Error) => alive && setError(new ApiError(400, err.message)));
    return () => {
      alive = false;
      viewer.destroy();
    };
    // the instance view re-mounts the diagram (key) when the instance changes
    // (state and onSelect are read once per mount)
  }, [xml]);

  return (
    <div className="wf-diagram-wrap">
      {error ? <ErrorBanner error={error} /> : null}
      <div className="wf-diagram" ref={ref} data-testid="instance-diagram" />
      <div className="wf-legend" aria-hidden="true">
        <span className="wf-legend-item wf-legend-visited">{t('diagram.visited')}</span>
        <span className="wf-legend-item wf-legend-token">{t('diagram.token')}</span>
        <span className="wf-legend-item wf-legend-incident">{t('diagram.incident')}</span>
      </div>
    </div>
  );
}
