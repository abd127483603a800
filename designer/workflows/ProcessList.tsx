/** Processes: every deployed key with its latest version, drafts kept in this browser, new and import. */
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../app/api';
import { useSession } from '../app/session';
import { Badge, ErrorBanner, Field, Loading } from '../app/ui';
import { useFormat } from '../i18n/format';
import { listProcesses, type DefinitionSummaryView } from './api';
import { IMPORT_KEY, listDrafts } from './modeler/drafts';
import { PROCESS_KEY, processOf } from './modeler/new-diagram';

const MAX_FILE_BYTES = 2 * 1024 * 1024;

export function ProcessList() {
  const { t } = useTranslation('workflows');
  const { can } = useSession();
  const format = useFormat();
  const navigate = useNavigate();
  const fileRef = useRef<HTMLInputElement>(null);
  const [processes, setProcesses] = useState<DefinitionSummaryView[]>();
  const [error, setError] = useState<unknown>();
  const [creating, setCreating] = useState(false);
  const drafts = listDrafts();
  const canEdit = can('workflows.edit');

  useEffect(() => {
    listProcesses().then(
      (list) => setProcesses([...list].sort((a, b) => a.key.localeCompare(b.key))),
      (err) => setError(err),
    );
  }, []);

  const onImport = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) return setError(new ApiError(413, t('modeler.fileTooLarge')));
    const xml = await file.text();
    if (!processOf(xml)) return setError(new ApiError(400, t('modeler.notBpmn'), [{ path: file.name, message: t('modeler.noProcess') }]));
    try {
      sessionStorage.setItem(IMPORT_KEY, xml);
    } catch (err) {
      return setError(err);
    }
    navigate('/workflows/new');
  };

  // drafts live in this browser: they stay listed even when the server's list cannot be read
  const rows = processes ?? (error ? [] : undefined);
  const deployedKeys = new Set(rows?.map((p) => p.key));
  const onlyDrafts = drafts.filter((d) => !deployedKeys.has(d.key));

  return (
    <section aria-labelledby="processes-title">
      <div className="panel-toolbar">
        <h2 id="processes-title">{t('processes.title')}</h2>
        {processes ? <span className="muted">{t('processes.count', { count: processes.length })}</span> : null}
        <span className="toolbar-spacer" />
        <input ref={fileRef} type="file" accept=".bpmn,.xml,application/xml,text/xml" hidden onChange={(e) => void onImport(e)} data-testid="list-import-file" />
        {canEdit ? (
          <>
            <button type="button" className="btn" onClick={() => fileRef.current?.click()}>
              {t('processes.import')}
            </button>
            {!creating ? (
              <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
                {t('processes.new')}
              </button>
            ) : null}
          </>
        ) : null}
      </div>
      {creating ? <NewProcessForm onCancel={() => setCreating(false)} taken={deployedKeys} /> : null}
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      {!processes && !error ? <Loading /> : null}
      {rows ? (
        rows.length || onlyDrafts.length ? (
          <table className="table" data-testid="process-table">
            <thead>
              <tr>
                <th>{t('processes.key')}</th>
                <th>{t('processes.name')}</th>
                <th>{t('processes.latest')}</th>
                <th>{t('processes.deployedBy')}</th>
                <th>{t('processes.deployedAt')}</th>
                <th className="col-actions" />
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.key} data-key={p.key}>
                  <td>
                    <Link to={`/workflows/processes/${encodeURIComponent(p.key)}`}>
                      <code>{p.key}</code>
                    </Link>
                    {drafts.some((d) => d.key === p.key) ? (
                      <>
                        {' '}
                        <Badge tone="warn">{t('processes.hasDraft')}</Badge>
                      </>
                    ) : null}
                  </td>
                  <td>{p.name ?? <span className="muted">—</span>}</td>
                  <td>
                    v{p.version}
                    {p.versions && p.versions > 1 ? <span className="muted"> · {t('processes.versions', { count: p.versions })}</span> : null}
                  </td>
                  <td>{p.deployedBy.label}</td>
                  <td>{format.dateTime(p.deployedAt)}</td>
                  <td className="col-actions">
                    <Link className="btn btn-small" to={`/workflows/instances?process=${encodeURIComponent(p.key)}`}>
                      {t('processes.instances')}
                    </Link>{' '}
                    <Link className="btn btn-small" to={`/workflows/processes/${encodeURIComponent(p.key)}`}>
                      {t('processes.open')}
                    </Link>
                  </td>
                </tr>
              ))}
              {onlyDrafts.map((d) => (
                <tr key={`draft-${d.key}`} data-key={d.key} className="row-muted">
                  <td>
                    <Link to={`/workflows/processes/${encodeURIComponent(d.key)}`}>
                      <code>{d.key}</code>
                    </Link>{' '}
                    <Badge tone="warn">{t('processes.draftOnly')}</Badge>
                  </td>
                  <td>{processOf(d.xml)?.name || <span className="muted">—</span>}</td>
                  <td>
                    <span className="muted">{t('processes.notDeployed')}</span>
                  </td>
                  <td>—</td>
                  <td>{t('processes.draftSavedAt', { at: format.dateTime(d.savedAt) })}</td>
                  <td className="col-actions">
                    <Link className="btn btn-small" to={`/workflows/processes/${encodeURIComponent(d.key)}`}>
                      {t('processes.open')}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : processes ? (
          <div className="empty-state">{t('processes.empty')}</div>
        ) : null
      ) : null}
    </section>
  );
}

function NewProcessForm({ onCancel, taken }: { onCancel: () => void; taken: Set<string> }) {
  const { t } = useTranslation('workflows');
  const navigate = useNavigate();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [tried, setTried] = useState(false);
  const keyError = !PROCESS_KEY.test(key) ? t('modeler.badKey') : taken.has(key) ? t('processes.keyTaken') : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (keyError) return;
    navigate(`/workflows/new?key=${encodeURIComponent(key)}&name=${encodeURIComponent(name.trim())}`);
  };

  return (
    <form className="form-card" onSubmit={submit} noValidate>
      <h3>{t('processes.newTitle')}</h3>
      <div className="form-grid">
        <Field label={t('processes.key')} error={tried ? keyError : undefined} hint={t('processes.keyHint')}>
          {(id, describedBy) => <input id={id} aria-describedby={describedBy} value={key} onChange={(e) => setKey(e.target.value.trim())} autoFocus placeholder="order-returns" />}
        </Field>
        <Field label={t('processes.name')}>{(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} placeholder={t('processes.namePlaceholder')} />}</Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary">
          {t('processes.create')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('common:actions.cancel')}
        </button>
      </div>
    </form>
  );
}
