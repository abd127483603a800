/**
 * The order page's printing: print the order's document with a published template (the PDF is
 * offered at once), and the order's print history (who, when, template version, pages, reprint
 * reason) with each PDF and a reprint that asks why.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorBanner, Notice } from '../app/ui';
import { useLoad } from '../app/use-load';
import { useFormat } from '../i18n/format';
import { downloadUrl, printApi, type PrintJobView } from './print-api';
import { TemplateField, useMayPrint, usePrintTemplates } from './print-parts';

export function PrintPanel({ orderNumber }: { orderNumber: string }) {
  const { t } = useTranslation('print');
  const f = useFormat();
  const mayPrint = useMayPrint();
  const history = useLoad(() => printApi.history(orderNumber), [orderNumber]);
  const [picked, setPicked] = useState('');
  const { templates, error: templatesError, chosen } = usePrintTemplates(picked, mayPrint);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<{ text: string; job?: PrintJobView }>();
  const [reprintOf, setReprintOf] = useState<string>();
  const [reason, setReason] = useState('');

  const run = async (what: () => Promise<PrintJobView>, text: (job: PrintJobView) => string) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const job = await what();
      setNotice({ text: text(job), job });
      history.reload();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const print = () => run(() => printApi.printOrder(orderNumber, chosen), (job) => t('printed', { template: job.template.name, version: job.template.version, pages: t('pages', { count: job.pages }) }));
  const reprint = async () => {
    if (reprintOf && (await run(() => printApi.reprint(reprintOf, reason), () => t('reprint.done')))) {
      setReprintOf(undefined);
      setReason('');
    }
  };

  return (
    <section className="print-panel" data-testid="print-panel">
      <h2 className="section-title">{t('history.title')}</h2>
      {mayPrint ? (
        <div className="print-toolbar">
          <TemplateField templates={templates} value={chosen} onChange={setPicked} />
          <button type="button" className="btn btn-primary" data-testid="print-order" disabled={busy || !chosen} onClick={() => void print()}>
            {busy ? t('printing') : t('print')}
          </button>
        </div>
      ) : null}
      <ErrorBanner error={error ?? templatesError ?? history.error} onDismiss={error ? () => setError(undefined) : undefined} />
      {notice ? (
        <Notice onDismiss={() => setNotice(undefined)}>
          {notice.text}{' '}
          {notice.job?.downloadUrl ? (
            <a href={notice.job.downloadUrl} target="_blank" rel="noreferrer" data-testid="printed-pdf">
              {t('openPdf')}
            </a>
          ) : null}
        </Notice>
      ) : null}
      {reprintOf ? (
        <div className="inline-confirm">
          <label>
            {t('reprint.reason')} <input data-testid="reprint-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="button" className="btn btn-primary btn-small" data-testid="reprint-confirm" disabled={busy || !reason.trim()} onClick={() => void reprint()}>
            {t('reprint.confirm')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setReprintOf(undefined)}>
            {t('common:actions.cancel')}
          </button>
        </div>
      ) : null}
      {history.data?.length === 0 ? <p className="muted">{t('history.empty')}</p> : null}
      {history.data?.length ? (
        <table className="table" data-testid="print-history">
          <thead>
            <tr>
              <th>{t('history.when')}</th>
              <th>{t('history.who')}</th>
              <th>{t('history.kind')}</th>
              <th>{t('history.template')}</th>
              <th className="num">{t('history.pages')}</th>
              <th>{t('history.reason')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {history.data.map((job) => (
              <tr key={job.id} data-job={job.id} data-kind={job.kind}>
                <td>{f.dateTime(job.requestedAt)}</td>
                <td>{job.requestedBy}</td>
                <td>
                  {t(`history.kinds.${job.kind}`)}
                  {job.status === 'completed' ? '' : ` · ${t(`status.${job.status}`)}`}
                </td>
                <td>
                  {job.template.name} v{job.template.version}
                </td>
                <td className="num">{f.number(job.pages)}</td>
                <td className="print-reason">{job.reason ?? ''}</td>
                <td className="print-row-actions">
                  {downloadUrl(job) ? (
                    <a href={downloadUrl(job)} download data-testid="history-download">
                      {t('download')}
                    </a>
                  ) : null}
                  {mayPrint && job.status === 'completed' && job.downloadUrl ? (
                    <button type="button" className="btn btn-small" data-testid="reprint" onClick={() => setReprintOf(job.id)}>
                      {t('reprint.action')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
