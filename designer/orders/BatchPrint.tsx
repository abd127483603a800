/**
 * Batch printing from the order list: the selected orders, or every order of the search (grouped
 * by carrier or warehouse), in one PDF. The dialog follows the job live over socket.io (room
 * `job:<id>`), can cancel it, and offers the PDF and the documents that failed when it ends.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { followJob, openSocket } from '../app/job-progress';
import { ErrorBanner, Field } from '../app/ui';
import { GROUP_BY, type PrintJobStatus } from '../../server/contracts/print';
import type { ProgressEvent } from '../../server/contracts/realtime';
import type { SearchParams } from './api';
import { downloadUrl, isFinished, printApi, type GroupBy, type PrintJobView, type PrintSearch } from './print-api';
import { TemplateField, useMayPrint, usePrintTemplates } from './print-parts';

export type BatchSource = { kind: 'selection'; orderIds: string[] } | { kind: 'search'; filter: PrintSearch; label: string };

const SEARCHABLE = ['status', 'channel', 'warehouse'] as const;

/** The list's search as a print filter, or undefined when it uses fields a batch cannot select by. */
export function printSearchOf(query: SearchParams): PrintSearch | undefined {
  if (query.number || query.customer || query.sku || query.from || query.to) return undefined;
  return Object.fromEntries(SEARCHABLE.filter((k) => query[k]).map((k) => [k, query[k]]));
}

/** "Print selected" and "Print this search" above the order list; hidden without print.run. */
export function BatchPrintBar({ selected, query }: { selected: string[]; query: SearchParams }) {
  const { t } = useTranslation('print');
  const { t: to } = useTranslation('orders');
  const mayPrint = useMayPrint();
  const [source, setSource] = useState<BatchSource>();
  if (!mayPrint) return null;
  const filter = printSearchOf(query);
  const label = () =>
    SEARCHABLE.filter((k) => query[k])
      .map((k) => t('batch.criterion', { field: to(`search.${k}`), value: k === 'warehouse' ? query[k] : to(`${k}.${query[k]}`) }))
      .join(t('batch.separator')) || t('batch.everything');
  return (
    <div className="print-toolbar batch-print-bar">
      <button type="button" className="btn" data-testid="print-selected" disabled={selected.length === 0} onClick={() => setSource({ kind: 'selection', orderIds: selected })}>
        {t('batch.selected', { n: selected.length })}
      </button>
      <button type="button" className="btn" data-testid="print-search" disabled={!filter} title={filter ? undefined : t('batch.searchUnsupported')} onClick={() => filter && setSource({ kind: 'search', filter, label: label() })}>
        {t('batch.search')}
      </button>
      {source ? <BatchPrintDialog source={source} onClose={() => setSource(undefined)} /> : null}
    </div>
  );
}

interface Progress {
  done: number;
  total: number;
  status: PrintJobStatus;
}

function BatchPrintDialog({ source, onClose }: { source: BatchSource; onClose(): void }) {
  const { t } = useTranslation('print');
  const [picked, setPicked] = useState('');
  const { templates, error: templatesError, chosen } = usePrintTemplates(picked, true);
  const [groupBy, setGroupBy] = useState<GroupBy>('carrier');
  const [error, setError] = useState<unknown>();
  const [jobId, setJobId] = useState<string>();
  const [progress, setProgress] = useState<Progress>();
  const [result, setResult] = useState<PrintJobView>();
  const [offline, setOffline] = useState(false);
  const finished = result !== undefined;

  // the job as the server has it: its end state (with the PDF and failures), else at least its progress
  const absorb = (job: PrintJobView) => {
    if (isFinished(job.status)) {
      setResult(job);
      setProgress({ ...job.progress, status: job.status });
    } else setProgress((p) => ({ done: Math.max(p?.done ?? 0, job.progress.done), total: job.progress.total, status: job.status }));
  };
  const reread = (id: string) => printApi.job(id).then(absorb, setError);

  useEffect(() => {
    if (!jobId) return;
    const socket = openSocket();
    let live = true;
    let stop: () => void = () => undefined;
    const onProgress = (e: ProgressEvent) => {
      if (!live) return;
      setProgress((p) => ({ done: e.status === 'running' ? Math.max(p?.done ?? 0, e.done) : e.done, total: e.total, status: e.status }));
      if (e.status !== 'running') void reread(jobId);
    };
    socket.on('connect', () => setOffline(false));
    socket.on('connect_error', () => setOffline(true));
    // join the job's room first, then read the job once: whatever happened before the join is in that read
    void followJob(socket, jobId, onProgress).then((s) => {
      stop = s;
      if (live) void reread(jobId);
    });
    return () => {
      live = false;
      stop();
      socket.close();
    };
  }, [jobId]);

  // without a live connection the job is read again every few seconds until it ends
  useEffect(() => {
    if (!offline || !jobId || finished) return;
    const timer = setInterval(() => void reread(jobId), 3000);
    return () => clearInterval(timer);
  }, [offline, jobId, finished]);

  const start = async () => {
    setError(undefined);
    try {
      const job = await printApi.startBatch(source.kind === 'selection' ? { templateKey: chosen, orderIds: source.orderIds } : { templateKey: chosen, filter: source.filter, groupBy });
      setProgress({ ...job.progress, status: job.status });
      setJobId(job.id);
    } catch (err) {
      setError(err);
    }
  };
  const cancel = async () => {
    if (!jobId) return;
    try {
      await printApi.cancel(jobId);
    } catch (err) {
      setError(err);
    }
  };

  const percent = progress && progress.total ? Math.floor((progress.done / progress.total) * 100) : 0;
  return (
    <div className="print-dialog-backdrop">
      <div className="print-dialog" role="dialog" aria-modal="true" aria-label={t('batch.title')} data-testid="batch-dialog" onKeyDown={(e) => e.key === 'Escape' && (!jobId || finished) && onClose()}>
        <h2>{t('batch.title')}</h2>
        <p>{source.kind === 'selection' ? t('batch.ofSelection', { n: source.orderIds.length }) : t('batch.ofSearch', { search: source.label })}</p>
        <ErrorBanner error={error ?? templatesError} onDismiss={error ? () => setError(undefined) : undefined} />
        {!jobId ? (
          <>
            <TemplateField templates={templates} value={chosen} onChange={setPicked} />
            {source.kind === 'search' ? (
              <Field label={t('batch.groupBy')}>
                {(id) => (
                  <select id={id} data-testid="batch-group" value={groupBy} onChange={(e) => setGroupBy(e.target.value as GroupBy)}>
                    {GROUP_BY.map((g) => (
                      <option key={g} value={g}>
                        {t(`batch.group.${g}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ) : null}
          </>
        ) : progress ? (
          <div className="batch-progress" role="status" data-testid="batch-status" data-status={progress.status}>
            <progress aria-label={t('batch.title')} data-testid="batch-progress" max={progress.total || 1} value={progress.done} />
            <span data-testid="batch-percent">{t('batch.percent', { percent })}</span>
            <span className="muted">{t('batch.progress', { done: progress.done, total: progress.total })}</span>
            {offline && !finished ? <span className="muted">{t('batch.offline')}</span> : null}
          </div>
        ) : null}
        {result ? <BatchResult job={result} /> : null}
        <div className="print-dialog-actions">
          {!jobId ? (
            <>
              <button type="button" className="btn" onClick={onClose}>
                {t('common:actions.cancel')}
              </button>
              <button type="button" className="btn btn-primary" data-testid="batch-start" disabled={!chosen} onClick={() => void start()}>
                {t('batch.start')}
              </button>
            </>
          ) : finished ? (
            <button type="button" className="btn" data-testid="batch-close" onClick={onClose}>
              {t('common:actions.close')}
            </button>
          ) : (
            <button type="button" className="btn btn-danger" data-testid="batch-cancel" onClick={() => void cancel()}>
              {t('batch.cancel')}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

function BatchResult({ job }: { job: PrintJobView }) {
  const { t } = useTranslation('print');
  const printed = job.progress.done - job.failures.length;
  return (
    <div className="batch-result" data-testid="batch-result">
      <p>{job.status === 'completed' ? t('batch.done', { n: printed, pages: t('pages', { count: job.pages }) }) : job.status === 'cancelled' ? t('batch.cancelled') : t('batch.failed', { error: job.error ?? '' })}</p>
      {downloadUrl(job) ? (
        <a className="btn btn-primary" href={downloadUrl(job)} download data-testid="batch-download">
          {t('download')}
        </a>
      ) : null}
      {job.failures.length ? (
        <>
          <h3>{t('batch.failures')}</h3>
          <ul className="batch-failures" data-testid="batch-failures">
            {job.failures.map((f) => (
              <li key={f.orderId}>
                <strong>{f.orderNumber ?? f.orderId}</strong>: {f.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
