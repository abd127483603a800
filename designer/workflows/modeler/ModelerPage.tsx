/**
 * The BPMN modeler: bpmn-js with the properties panel (Camunda 7 + Ordo), live lint markers with
 * the deploy rules, drafts in this browser, import/export of .bpmn files, deploy with the server's
 * per-element errors painted on the diagram, and the version list of the process.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type Modeler from 'bpmn-js/lib/Modeler';
import { ApiError } from '../../app/api';
import { useSession } from '../../app/session';
import { Badge, ErrorBanner, Loading, Notice } from '../../app/ui';
import { useFormat } from '../../i18n/format';
import { deployXml, fetchXml, getProcess, loadCatalog, type IssueView, type ProcessVersions } from '../api';
import { applyCatalog, createModeler } from './bpmn-setup';
import { discardDraft, IMPORT_KEY, loadDraft, saveDraft, type Draft } from './drafts';
import { newDiagramXml, PROCESS_KEY, processOf } from './new-diagram';
import { downloadText } from '../parts';

const MAX_FILE_BYTES = 2 * 1024 * 1024;

type LintIssue = { id: string; message: string; category: string; rule?: string; actualElementId?: string };
type SideTab = 'properties' | 'problems' | 'versions';
type Versions = ProcessVersions['versions'];

interface Loaded {
  xml: string;
  /** where the diagram came from */
  source: 'new' | 'draft' | 'version' | 'import';
  version?: number;
  draft?: Draft;
}

/** /workflows/new (a blank diagram or an import) and /workflows/processes/:key (latest version or the draft). */
export function ModelerPage() {
  const { t } = useTranslation('workflows');
  const { key: routeKey } = useParams();
  const [search] = useSearchParams();
  const [loaded, setLoaded] = useState<Loaded>();
  const [versions, setVersions] = useState<Versions>([]);
  const [loadError, setLoadError] = useState<unknown>();
  const wantedVersion = search.get('version');
  // a file imported on the process list: read once per mount and dropped only once shown, because
  // the load effect below may run more than once for one visit
  const [imported] = useState(() => (routeKey ? null : sessionStorage.getItem(IMPORT_KEY)));
  useEffect(() => {
    if (loaded?.source === 'import') sessionStorage.removeItem(IMPORT_KEY);
  }, [loaded]);

  useEffect(() => {
    let cancelled = false;
    setLoaded(undefined);
    setLoadError(undefined);
    void (async () => {
      try {
        if (!routeKey) {
          const key = search.get('key') ?? 'new_process';
          const xml = imported ?? newDiagramXml(key, search.get('name') ?? '');
          if (!cancelled) setLoaded({ xml, source: imported ? 'import' : 'new' });
          return;
        }
        const process = await getProcess(routeKey).catch((err) => {
          if (err instanceof ApiError && err.status === 404) return undefined;
          throw err;
        });
        const list = process?.versions ?? [];
        if (!cancelled) setVersions(list);
        const draft = loadDraft(routeKey);
        const pick = wantedVersion ? list.find((v) => String(v.version) === wantedVersion) : undefined;
        if (draft && !pick) {
          if (!cancelled) setLoaded({ xml: draft.xml, source: 'draft', draft, version: list[0]?.version });
          return;
        }
        const chosen = pick ?? list[0];
        if (!chosen) throw new ApiError(404, `Process ${routeKey} not found`);
        const xml = await fetchXml(chosen.xmlUrl);
        if (!cancelled) setLoaded({ xml, source: 'version', version: chosen.version });
      } catch (err) {
        if (!cancelled) setLoadError(err);
      }
    })();
    return () => {
      cancelled = true;
    };
    // (search is read once per route)
  }, [routeKey, wantedVersion, imported]);

  if (loadError) {
    return (
      <div className="page">
        <ErrorBanner error={loadError} />
        <Link to="/workflows" className="btn">
          {t('modeler.backToList')}
        </Link>
      </div>
    );
  }
  if (!loaded) return <Loading />;
  return <ModelerWorkbench key={`${routeKey ?? ''}#${wantedVersion ?? ''}`} routeKey={routeKey} loaded={loaded} versions={versions} onVersions={setVersions} />;
}

function ModelerWorkbench({ routeKey, loaded, versions, onVersions }: { routeKey?: string; loaded: Loaded; versions: Versions; onVersions: (v: Versions) => void }) {
  const { t, i18n } = useTranslation('workflows');
  const { can } = useSession();
  const format = useFormat();
  const navigate = useNavigate();
  const location = useLocation();
  const canvasRef = useRef<HTMLDivElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const modelerRef = useRef<Modeler | null>(null);
  const xmlRef = useRef(loaded.xml);
  const deployMarks = useRef<string[]>([]);
  const tRef = useRef(t);
  tRef.current = t;
  const [ready, setReady] = useState(false);
  const [dirty, setDirty] = useState(loaded.source === 'new' || loaded.source === 'import');
  const [draft, setDraft] = useState<Draft | undefined>(loaded.draft);
  const [processInfo, setProcessInfo] = useState(() => processOf(loaded.xml));
  const [lintIssues, setLintIssues] = useState<LintIssue[]>([]);
  const [deployIssues, setDeployIssues] = useState<IssueView[]>([]);
  const [tab, setTab] = useState<SideTab>('properties');
  const [busy, setBusy] = useState<'deploy' | 'save' | undefined>();
  const [error, setError] = useState<unknown>();
  // a save or deploy that renamed the process moves to its URL and brings its notice along
  const [notice, setNotice] = useState<string | undefined>((location.state as { notice?: string } | null)?.notice);
  const [catalogError, setCatalogError] = useState<unknown>();
  const canEdit = can('workflows.edit');
  const canDeploy = can('workflows.deploy');

  const clearDeployMarks = useCallback(() => {
    const m = modelerRef.current;
    if (!m) return;
    const overlays = m.get<{ remove(filter: { type: string }): void }>('overlays');
    const canvas = m.get<{ removeMarker(id: string, cls: string): void }>('canvas');
    overlays.remove({ type: 'ordo-deploy' });
    for (const id of deployMarks.current) canvas.removeMarker(id, 'wf-deploy-error');
    deployMarks.current = [];
  }, []);

  const paintDeployIssues = useCallback(
    (issues: IssueView[]) => {
      const m = modelerRef.current;
      if (!m) return;
      clearDeployMarks();
      const registry = m.get<{ get(id: string): unknown }>('elementRegistry');
      const overlays = m.get<{ add(id: string, type: string, o: unknown): void }>('overlays');
      const canvas = m.get<{ addMarker(id: string, cls: string): void }>('canvas');
      const byElement = new Map<string, string[]>();
      for (const i of issues) if (registry.get(i.path)) byElement.set(i.path, [...(byElement.get(i.path) ?? []), i.message]);
      for (const [id, messages] of byElement) {
        const badge = document.createElement('div');
        badge.className = 'wf-deploy-badge';
        badge.textContent = String(messages.length);
        badge.title = messages.join('\n');
        badge.dataset.elementId = id;
        // top-right: the lint marker sits top-left
        overlays.add(id, 'ordo-deploy', { position: { top: -10, right: 10 }, html: badge });
        canvas.addMarker(id, 'wf-deploy-error');
        deployMarks.current.push(id);
      }
    },
    [clearDeployMarks],
  );

  // one bpmn-js instance per mount and language (its palette and panel texts are built once)
  useEffect(() => {
    if (!canvasRef.current || !panelRef.current) return;
    const modeler = createModeler(canvasRef.current, panelRef.current);
    modelerRef.current = modeler;
    // a new instance (language change) needs the catalog and the deploy marks again
    setReady(false);
    let alive = true;
    const bus = modeler.get<{ on(e: string, fn: (e: { issues?: Record<string, LintIssue[]> }) => void): void }>('eventBus');
    bus.on('linting.completed', (e) => {
      if (!alive) return;
      setLintIssues(Object.values(e.issues ?? {}).flat());
    });
    bus.on('commandStack.changed', () => {
      if (!alive) return;
      setDirty(true);
      void modeler.saveXML({ format: true }).then(({ xml }) => {
        if (!alive || !xml) return;
        xmlRef.current = xml;
        setProcessInfo(processOf(xml));
      });
    });
    void modeler
      .importXML(xmlRef.current)
      .then(({ warnings }) => {
        if (!alive) return;
        (modeler.get('canvas') as { zoom(v: string): void }).zoom('fit-viewport');
        if (warnings.length) setNotice(tRef.current('modeler.importWarnings', { count: warnings.length }));
        setReady(true);
      })
      .catch((err: Error) => alive && setError(new ApiError(400, err.message)));
    return () => {
      alive = false;
      modelerRef.current = null;
      modeler.destroy();
    };
    // t is read through a ref: a new t must not rebuild the modeler
  }, [i18n.language]);

  // pick lists for the panel and reference checks for the linter
  useEffect(() => {
    if (!ready) return;
    let alive = true;
    loadCatalog()
      .then((c) => alive && modelerRef.current && applyCatalog(modelerRef.current, c))
      .catch((err) => alive && setCatalogError(err));
    return () => {
      alive = false;
    };
  }, [ready]);

  useEffect(() => {
    if (ready) paintDeployIssues(deployIssues);
  }, [ready, deployIssues, paintDeployIssues]);

  const currentXml = async () => {
    const { xml } = await modelerRef.current!.saveXML({ format: true });
    xmlRef.current = xml!;
    return xml!;
  };

  const keyOf = (xml: string) => {
    const key = processOf(xml)?.key;
    if (!key || !PROCESS_KEY.test(key)) throw new ApiError(400, t('modeler.badKey'), [{ path: 'key', message: t('modeler.badKey') }]);
    return key;
  };

  const onSaveDraft = async () => {
    setError(undefined);
    setNotice(undefined);
    setBusy('save');
    try {
      const xml = await currentXml();
      const key = keyOf(xml);
      const saved = saveDraft(key, xml);
      if (routeKey && routeKey !== key) discardDraft(routeKey);
      setDraft(saved);
      setDirty(false);
      const message = t('modeler.draftSaved', { key });
      setNotice(message);
      if (key !== routeKey) navigate(`/workflows/processes/${encodeURIComponent(key)}`, { replace: true, state: { notice: message } });
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, (err as Error).message));
    } finally {
      setBusy(undefined);
    }
  };

  const onDeploy = async () => {
    setError(undefined);
    setNotice(undefined);
    setBusy('deploy');
    try {
      const xml = await currentXml();
      const key = keyOf(xml);
      const result = await deployXml(xml);
      setDeployIssues(result.definition.warnings);
      discardDraft(key);
      if (routeKey && routeKey !== key) discardDraft(routeKey);
      setDraft(undefined);
      setDirty(false);
      const message = result.created ? t('modeler.deployed', { key, version: result.definition.version }) : t('modeler.unchanged', { key, version: result.definition.version });
      setNotice(message);
      if (key !== routeKey) navigate(`/workflows/processes/${encodeURIComponent(key)}`, { replace: true, state: { notice: message } });
      else {
        const process = await getProcess(key);
        onVersions(process.versions);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && (err.problem as { approvalRequired?: boolean } | undefined)?.approvalRequired) {
        setNotice(t('modeler.approvalRequested'));
        return;
      }
      if (err instanceof ApiError && err.status === 400 && err.issues.length) {
        // the details go on the diagram and into Problems; the banner only says so
        setDeployIssues([...err.issues]);
        setTab('problems');
        setError(new ApiError(400, t('modeler.deployRefused', { count: err.issues.length })));
        return;
      }
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };

  const onExport = async () => {
    const xml = await currentXml();
    downloadText(`${processOf(xml)?.key ?? 'process'}.bpmn`, xml, 'application/xml');
  };

  const onImportFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(undefined);
    setNotice(undefined);
    if (file.size > MAX_FILE_BYTES) {
      setError(new ApiError(413, t('modeler.fileTooLarge')));
      return;
    }
    const xml = await file.text();
    try {
      const { warnings } = await modelerRef.current!.importXML(xml);
      xmlRef.current = xml;
      setProcessInfo(processOf(xml));
      setDeployIssues([]);
      setDirty(true);
      (modelerRef.current!.get('canvas') as { zoom(v: string): void }).zoom('fit-viewport');
      setNotice(warnings.length ? t('modeler.importedWithWarnings', { name: file.name, count: warnings.length }) : t('modeler.imported', { name: file.name }));
    } catch (err) {
      setError(new ApiError(400, t('modeler.notBpmn'), [{ path: file.name, message: (err as Error).message.split('\n')[0] }]));
    }
  };

  const onDiscardDraft = () => {
    if (!routeKey) return;
    discardDraft(routeKey);
    setDraft(undefined);
    navigate(`/workflows/processes/${encodeURIComponent(routeKey)}?version=${versions[0]?.version ?? ''}`, { replace: true });
  };

  const selectElement = (id: string) => {
    const m = modelerRef.current;
    if (!m) return;
    const el = m.get<{ get(id: string): unknown }>('elementRegistry').get(id);
    if (!el) return;
    m.get<{ select(el: unknown): void }>('selection').select(el);
    m.get<{ scrollToElement(el: unknown): void }>('canvas').scrollToElement(el);
    setTab('properties');
  };

  const elementName = (id: string) => {
    const el = modelerRef.current?.get<{ get(id: string): { businessObject?: { name?: string } } | undefined }>('elementRegistry').get(id);
    return el?.businessObject?.name || id;
  };

  const errors = lintIssues.filter((i) => i.category === 'error' || i.category === 'rule-error').length;
  const problemCount = lintIssues.length + deployIssues.length;
  const latest = versions[0];
  const state = useMemo(() => {
    if (dirty) return <Badge tone="warn">{t('modeler.unsaved')}</Badge>;
    if (draft) return <Badge tone="info">{t('modeler.draftFrom', { at: format.dateTime(draft.savedAt) })}</Badge>;
    if (loaded.version) return <Badge tone="ok">{t('modeler.showingVersion', { version: loaded.version })}</Badge>;
    return null;
  }, [dirty, draft, loaded.version, t, format]);

  return (
    <div className="wf-modeler" data-testid="modeler">
      <div className="wf-modeler-bar">
        <div className="wf-modeler-title">
          <Link to="/workflows" className="wf-crumb">
            {t('title')}
          </Link>
          <span className="wf-crumb-sep">/</span>
          <h1>{processInfo?.name || processInfo?.key || t('modeler.untitled')}</h1>
          {processInfo ? <code className="wf-key">{processInfo.key}</code> : null}
          {state}
        </div>
        <div className="page-actions">
          <input ref={fileRef} type="file" accept=".bpmn,.xml,application/xml,text/xml" hidden onChange={(e) => void onImportFile(e)} data-testid="import-file" />
          {canEdit ? (
            <button type="button" className="btn" onClick={() => fileRef.current?.click()} disabled={!ready}>
              {t('modeler.import')}
            </button>
          ) : null}
          <button type="button" className="btn" onClick={() => void onExport()} disabled={!ready}>
            {t('modeler.export')}
          </button>
          {canEdit ? (
            <button type="button" className="btn" onClick={() => void onSaveDraft()} disabled={!ready || busy !== undefined}>
              {busy === 'save' ? t('modeler.saving') : t('modeler.saveDraft')}
            </button>
          ) : null}
          {canDeploy ? (
            <button type="button" className="btn btn-primary" onClick={() => void onDeploy()} disabled={!ready || busy !== undefined} title={errors ? t('modeler.deployWithErrors', { count: errors }) : undefined}>
              {busy === 'deploy' ? t('modeler.deploying') : t('modeler.deploy')}
            </button>
          ) : null}
        </div>
      </div>
      {error || notice || catalogError || (draft && !dirty && latest) ? (
        <div className="wf-modeler-messages">
          {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
          {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
          {catalogError ? (
            <div className="banner banner-warn" role="status">
              <span>{t('modeler.catalogUnavailable')}</span>
            </div>
          ) : null}
          {draft && loaded.source === 'draft' && latest ? (
            <div className="banner banner-info" role="status">
              <span>{t('modeler.draftNotice', { at: format.dateTime(draft.savedAt), version: latest.version })}</span>
              <button type="button" className="link-button" onClick={onDiscardDraft}>
                {t('modeler.discardDraft')}
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
      <div className="wf-modeler-body">
        <div className="wf-canvas" ref={canvasRef} data-testid="canvas" />
        <aside className="wf-side">
          <nav className="tabs wf-side-tabs" role="tablist" aria-label={t('modeler.sidePanel')}>
            {(['properties', 'problems', 'versions'] as const).map((id) => (
              <button key={id} type="button" role="tab" aria-selected={tab === id} className={tab === id ? 'tab active' : 'tab'} onClick={() => setTab(id)} data-tab={id}>
                {t(`modeler.tabs.${id}`)}
                {id === 'problems' && problemCount ? <span className={errors || deployIssues.length ? 'wf-count wf-count-error' : 'wf-count'}>{problemCount}</span> : null}
                {id === 'versions' && versions.length ? <span className="wf-count">{versions.length}</span> : null}
              </button>
            ))}
          </nav>
          <div className="wf-panel" ref={panelRef} hidden={tab !== 'properties'} data-testid="properties-panel" />
          {tab === 'problems' ? (
            <div className="wf-side-body" data-testid="problems">
              {deployIssues.length ? (
                <>
                  <h3 className="wf-side-title">{t('modeler.deployProblems')}</h3>
                  <ul className="wf-issues">
                    {deployIssues.map((i, n) => (
                      <li key={`d${n}`} className="wf-issue wf-issue-error" data-element-id={i.path}>
                        <button type="button" className="link-button wf-issue-el" onClick={() => selectElement(i.path)}>
                          {elementName(i.path)}
                        </button>
                        <span>{i.message}</span>
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
              <h3 className="wf-side-title">{t('modeler.lintProblems')}</h3>
              {lintIssues.length ? (
                <ul className="wf-issues">
                  {lintIssues.map((i, n) => (
                    <li key={`l${n}`} className={`wf-issue ${i.category === 'warn' ? 'wf-issue-warn' : 'wf-issue-error'}`} data-element-id={i.actualElementId ?? i.id}>
                      <button type="button" className="link-button wf-issue-el" onClick={() => selectElement(i.actualElementId ?? i.id)}>
                        {elementName(i.actualElementId ?? i.id)}
                      </button>
                      <span>{i.message}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">{t('modeler.noProblems')}</p>
              )}
              <p className="field-hint">{t('modeler.lintHint')}</p>
            </div>
          ) : null}
          {tab === 'versions' ? (
            <div className="wf-side-body" data-testid="versions">
              {versions.length ? (
                <ul className="wf-versions" aria-label={t('modeler.tabs.versions')}>
                  {versions.map((v) => (
                    <li key={v.version} data-version={v.version} className={v.version === loaded.version && loaded.source === 'version' ? 'wf-version wf-version-open' : 'wf-version'}>
                      <strong className="wf-version-no">v{v.version}</strong>
                      <div className="wf-version-meta">
                        <div>{format.dateTime(v.deployedAt)}</div>
                        <div className="muted wf-small">{v.deployedBy.label}</div>
                      </div>
                      <div className="wf-version-actions">
                        <Link className="btn btn-small" to={`/workflows/processes/${encodeURIComponent(v.key)}?version=${v.version}`}>
                          {t('versions.view')}
                        </Link>
                        <button type="button" className="btn btn-small" onClick={() => void fetchXml(v.xmlUrl).then((xml) => downloadText(`${v.key}-v${v.version}.bpmn`, xml, 'application/xml'), setError)}>
                          {t('versions.download')}
                        </button>
                      </div>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">{t('versions.none')}</p>
              )}
            </div>
          ) : null}
        </aside>
      </div>
    </div>
  );
}
