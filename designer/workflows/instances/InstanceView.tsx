/**
 * One instance: its diagram with the path taken, tokens and incidents; variables; the history
 * timeline; open incidents; and the operator's actions (cancel, retry an incident, send a message).
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { ApiError } from '../../app/api';
import { useSession } from '../../app/session';
import { ErrorBanner, Field, Loading, Notice } from '../../app/ui';
import { useFormat } from '../../i18n/format';
import {
  cancelInstance,
  fetchXml,
  getHistory,
  getInstance,
  listIncidents,
  retryIncident,
  sendMessage,
  type HistoryEntryView,
  type IncidentView,
  type InstanceView as Instance,
} from '../api';
import { StatusBadge } from '../parts';
import { InstanceDiagram } from './InstanceDiagram';

type Tab = 'history' | 'variables' | 'incidents';
const ACTIVE = new Set(['running', 'waiting', 'failed']);

export function InstanceView() {
  const { t } = useTranslation('workflows');
  const { id = '' } = useParams();
  const { can } = useSession();
  const format = useFormat();
  const [instance, setInstance] = useState<Instance>();
  const [xml, setXml] = useState<string>();
  const [history, setHistory] = useState<HistoryEntryView[]>([]);
  const [incidents, setIncidents] = useState<IncidentView[]>([]);
  const [loadError, setLoadError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [tab, setTab] = useState<Tab>('history');
  const [busy, setBusy] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [messaging, setMessaging] = useState(false);
  const [selected, setSelected] = useState<string>();
  const operate = can('instances.operate');
  const names = useMemo(() => elementNames(xml), [xml]);
  const canMessage = can('messages.send');

  const load = useCallback(async () => {
    try {
      const inst = await getInstance(id);
      const [hist, inc] = await Promise.all([getHistory(id), listIncidents(id)]);
      setInstance(inst);
      setHistory(hist);
      setIncidents(inc);
      setLoadError(undefined);
      return inst;
    } catch (err) {
      setLoadError(err);
      return undefined;
    }
  }, [id]);

  useEffect(() => {
    setXml(undefined);
    void load().then((inst) => inst && fetchXml(inst.xmlUrl).then(setXml, setLoadError));
  }, [load]);

  const act = async (run: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await run();
      await load();
      setNotice(message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (loadError) {
    return (
      <div>
        <ErrorBanner error={loadError} />
        <Link to="/workflows/instances" className="btn">
          {t('instance.backToList')}
        </Link>
      </div>
    );
  }
  if (!instance) return <Loading />;

  const label = (elementId: string) => names.get(elementId) ?? elementId;
  const openIncidents = incidents.filter((i) => i.status === 'open');
  const messageWaits = instance.waits.filter((w) => w.kind === 'message' && w.name);
  const visible = selected ? history.filter((h) => h.elementId === selected) : history;

  return (
    <section className="wf-instance" data-testid="instance-view" data-status={instance.status}>
      <div className="wf-instance-head">
        <div className="wf-modeler-title">
          <Link to="/workflows/instances" className="wf-crumb">
            {t('instances.title')}
          </Link>
          <span className="wf-crumb-sep">/</span>
          <h2>
            {instance.businessKey ?? <code>{instance.id}</code>}
          </h2>
          <StatusBadge status={instance.status} incident={instance.incident} />
        </div>
        <div className="page-actions">
          {canMessage && ACTIVE.has(instance.status) ? (
            <button type="button" className="btn" onClick={() => setMessaging((v) => !v)} aria-expanded={messaging}>
              {t('instance.sendMessage')}
            </button>
          ) : null}
          {operate && ACTIVE.has(instance.status) ? (
            confirmCancel ? (
              <span className="inline-confirm">
                <button
                  type="button"
                  className="btn btn-danger"
                  disabled={busy}
                  onClick={() => void act(() => cancelInstance(instance.id), t('instance.cancelled')).then(() => setConfirmCancel(false))}
                >
                  {t('instance.confirmCancel')}
                </button>
                <button type="button" className="btn" onClick={() => setConfirmCancel(false)}>
                  {t('common:actions.cancel')}
                </button>
              </span>
            ) : (
              <button type="button" className="btn btn-danger" onClick={() => setConfirmCancel(true)}>
                {t('instance.cancel')}
              </button>
            )
          ) : null}
          <button type="button" className="btn" onClick={() => void act(load, t('instance.refreshed'))} disabled={busy}>
            {t('instance.refresh')}
          </button>
        </div>
      </div>
      <dl className="wf-facts">
        <div>
          <dt>{t('instance.process')}</dt>
          <dd>
            <Link to={`/workflows/processes/${encodeURIComponent(instance.processKey)}?version=${instance.version}`}>
              <code>{instance.processKey}</code>
            </Link>{' '}
            v{instance.version}
          </dd>
        </div>
        <div>
          <dt>{t('instance.id')}</dt>
          <dd>
            <code>{instance.id}</code>
          </dd>
        </div>
        <div>
          <dt>{t('instance.started')}</dt>
          <dd>
            {format.dateTime(instance.startedAt)} · {instance.startedBy.label}
          </dd>
        </div>
        <div>
          <dt>{instance.endedAt ? t('instance.ended') : t('instance.updated')}</dt>
          <dd>{format.dateTime(instance.endedAt ?? instance.updatedAt)}</dd>
        </div>
        {instance.parent ? (
          <div>
            <dt>{t('instance.parent')}</dt>
            <dd>
              <Link to={`/workflows/instances/${encodeURIComponent(instance.parent.instanceId)}`}>
                <code>{instance.parent.instanceId}</code>
              </Link>
            </dd>
          </div>
        ) : null}
      </dl>
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {instance.error ? (
        <div className="banner banner-error" role="status">
          <span>{t('instance.failedWith', { element: instance.error.activityId ?? '—' })}</span>
          <span className="banner-detail">{instance.error.message}</span>
        </div>
      ) : null}
      {messaging ? (
        <MessageForm
          instance={instance}
          names={[...new Set(messageWaits.map((w) => w.name!))]}
          onCancel={() => setMessaging(false)}
          onSent={(name) => {
            setMessaging(false);
            void load();
            setNotice(t('instance.messageSent', { name }));
          }}
        />
      ) : null}
      {xml ? (
        <InstanceDiagram
          key={instance.updatedAt}
          xml={xml}
          state={{ visited: instance.path.elements, flows: instance.path.flows, tokens: instance.tokens, incidents: instance.incidentActivities }}
          onSelect={(elementId) => {
            setSelected(elementId);
            setTab('history');
          }}
        />
      ) : (
        <Loading />
      )}
      {instance.waits.length ? (
        <div className="wf-waits" data-testid="waits">
          <span className="muted">{t('instance.waitingAt')}</span>
          {instance.waits.map((w) => (
            <span key={w.executionId} className="wf-wait" data-element-id={w.activityId}>
              {t(`waitKinds.${w.kind}`)}: {names.has(w.activityId) ? label(w.activityId) : <code>{w.activityId}</code>}
              {w.name ? ` (${w.name})` : ''}
              {w.dueAt ? ` · ${format.dateTime(w.dueAt)}` : ''}
            </span>
          ))}
        </div>
      ) : null}
      <nav className="tabs wf-instance-tabs" role="tablist">
        {(['history', 'variables', 'incidents'] as const).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'tab active' : 'tab'} onClick={() => setTab(k)} data-tab={k}>
            {t(`instance.tabs.${k}`)}
            {k === 'incidents' && openIncidents.length ? <span className="wf-count wf-count-error">{openIncidents.length}</span> : null}
            {k === 'history' ? <span className="wf-count">{history.length}</span> : null}
          </button>
        ))}
      </nav>
      {tab === 'history' ? (
        <div data-testid="history">
          {selected ? (
            <div className="wf-filter-note">
              {t('instance.historyOf', { element: label(selected) })}{' '}
              <button type="button" className="link-button" onClick={() => setSelected(undefined)}>
                {t('instance.showAll')}
              </button>
            </div>
          ) : null}
          <ol className="wf-timeline">
            {visible.map((h, n) => (
              <li key={n} className={`wf-event wf-event-${h.type.split('.')[0]}`} data-type={h.type} data-element-id={h.elementId ?? undefined}>
                <time dateTime={h.at}>{format.time(h.at)}</time>
                <span className="wf-event-what">{eventLabel(h.type)}</span>
                {h.elementId ? (
                  <button type="button" className="link-button wf-event-el" onClick={() => setSelected(h.elementId!)} title={h.elementId}>
                    {label(h.elementId)}
                  </button>
                ) : null}
                {h.actor ? <span className="muted wf-event-actor">{h.actor.label}</span> : null}
                {h.data !== null && h.data !== undefined ? <code className="wf-event-data">{summarise(h.data)}</code> : null}
              </li>
            ))}
          </ol>
          {visible.length === 0 ? <p className="muted">{t('instance.noHistory')}</p> : null}
        </div>
      ) : null}
      {tab === 'variables' ? <Variables values={instance.variables} /> : null}
      {tab === 'incidents' ? (
        <div data-testid="incidents">
          {incidents.length ? (
            <table className="table">
              <thead>
                <tr>
                  <th>{t('incidents.element')}</th>
                  <th>{t('incidents.message')}</th>
                  <th>{t('incidents.attempts')}</th>
                  <th>{t('incidents.opened')}</th>
                  <th>{t('incidents.state')}</th>
                  <th className="col-actions" />
                </tr>
              </thead>
              <tbody>
                {incidents.map((i) => (
                  <tr key={i.id} data-incident-id={i.id}>
                    <td title={i.activityId}>{names.has(i.activityId) ? label(i.activityId) : <code>{i.activityId}</code>}</td>
                    <td className="wf-incident-message">{i.message}</td>
                    <td>{i.attempts}</td>
                    <td>{format.dateTime(i.createdAt)}</td>
                    <td>{i.status === 'open' ? t('incidents.open') : t(`incidents.${i.resolution ?? 'resolved'}`)}</td>
                    <td className="col-actions">
                      {operate && i.status === 'open' ? (
                        <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => void act(() => retryIncident(i.id), t('incidents.retried', { element: i.activityId }))}>
                          {t('incidents.retry')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">{t('incidents.none')}</p>
          )}
        </div>
      ) : null}
    </section>
  );
}

/** Element id → name from the diagram, for readable history lines (ids stay as tooltips). */
function elementNames(xml: string | undefined): Map<string, string> {
  const names = new Map<string, string>();
  if (!xml) return names;
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  for (const el of doc.getElementsByTagNameNS('http://www.omg.org/spec/BPMN/20100524/MODEL', '*')) {
    const id = el.getAttribute('id');
    const name = el.getAttribute('name')?.trim();
    if (id && name) names.set(id, name);
  }
  return names;
}

function eventLabel(type: string): string {
  const key = `workflows:events.${type.replace('.', '_')}`;
  return i18next.exists(key) ? i18next.t(key) : type;
}

function summarise(data: unknown): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function Variables({ values }: { values: Record<string, unknown> }) {
  const { t } = useTranslation('workflows');
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return <p className="muted">{t('instance.noVariables')}</p>;
  return (
    <table className="table wf-variables" data-testid="variables">
      <thead>
        <tr>
          <th>{t('instance.variable')}</th>
          <th>{t('instance.value')}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name} data-variable={name}>
            <td>
              <code>{name}</code>
            </td>
            <td>
              <pre className="wf-json">{JSON.stringify(value, null, 2)}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MessageForm({ instance, names, onSent, onCancel }: { instance: Instance; names: string[]; onSent: (name: string) => void; onCancel: () => void }) {
  const { t } = useTranslation('workflows');
  const [name, setName] = useState(names[0] ?? '');
  const [vars, setVars] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    let variables: Record<string, unknown> | undefined;
    if (vars.trim()) {
      try {
        const parsed = JSON.parse(vars) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        variables = parsed as Record<string, unknown>;
      } catch {
        setError(new ApiError(400, t('instance.variablesNotJson'), [{ path: 'variables', message: t('instance.variablesNotJson') }]));
        return;
      }
    }
    setBusy(true);
    try {
      await sendMessage({ name: name.trim(), instanceId: instance.id, variables });
      onSent(name.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form-card" onSubmit={(e) => void submit(e)} data-testid="message-form">
      <h3>{t('instance.sendMessage')}</h3>
      {error ? <ErrorBanner error={error} /> : null}
      <div className="form-grid">
        <Field label={t('instance.messageName')} hint={names.length ? t('instance.messageNamesHint', { names: names.join(', ') }) : t('instance.noMessageWaits')}>
          {(id, describedBy) => (
            <>
              <input id={id} aria-describedby={describedBy} value={name} onChange={(e) => setName(e.target.value)} list={`${id}-names`} required />
              <datalist id={`${id}-names`}>
                {names.map((n) => (
                  <option key={n} value={n} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label={t('instance.messageVariables')} hint={t('instance.messageVariablesHint')}>
          {(id, describedBy) => <textarea id={id} aria-describedby={describedBy} rows={3} value={vars} onChange={(e) => setVars(e.target.value)} placeholder='{"paid": true}' className="wf-code-input" />}
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
          {t('instance.send')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('common:actions.cancel')}
        </button>
      </div>
    </form>
  );
}
