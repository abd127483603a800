import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorBanner, Field } from '../app/ui';
import { ordersApi, uploadImport, type ImportView } from './api';

/** File → column mapping → every row checked (nothing created) → create all or nothing, with a progress bar. */
export function ImportWizard() {
  const { t } = useTranslation('orders');
  const [file, setFile] = useState<File>();
  const [imp, setImp] = useState<ImportView>();
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<'upload' | 'check' | undefined>();
  const [error, setError] = useState<unknown>();

  // poll while the commit runs
  useEffect(() => {
    if (imp?.status !== 'committing') return;
    const timer = setInterval(() => {
      ordersApi.importStatus(imp.id).then(setImp, setError);
    }, 500);
    return () => clearInterval(timer);
  }, [imp?.id, imp?.status]);

  const run = async <T,>(what: 'upload' | 'check', fn: () => Promise<T>) => {
    setBusy(what);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(undefined);
    }
  };

  const reset = () => {
    setImp(undefined);
    setFile(undefined);
    setMapping({});
  };

  return (
    <div className="import-wizard">
      <h2 className="section-title">{t('import.title')}</h2>
      <ol className="steps">
        <li className={!imp ? 'current' : undefined}>{t('import.step1')}</li>
        <li className={imp && ['uploaded', 'invalid', 'validated'].includes(imp.status) ? 'current' : undefined}>{t('import.step2')}</li>
        <li className={imp && ['committing', 'completed', 'failed'].includes(imp.status) ? 'current' : undefined}>{t('import.step3')}</li>
      </ol>
      <ErrorBanner error={error} />
      {!imp ? (
        <form
          className="form-card"
          onSubmit={(e) => {
            e.preventDefault();
            if (!file) return;
            void run('upload', async () => {
              const up = await uploadImport(file);
              setImp(up);
              setMapping((up.suggestedMapping ?? {}) as Record<string, string>);
            });
          }}
        >
          <Field label={t('import.chooseFile')}>
            {(id) => <input id={id} type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={(e) => setFile(e.target.files?.[0])} />}
          </Field>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={!file || busy === 'upload'}>
              {busy === 'upload' ? t('import.uploading') : t('import.upload')}
            </button>
          </div>
        </form>
      ) : null}

      {imp && ['uploaded', 'invalid', 'validated'].includes(imp.status) ? (
        <div>
          <p>
            <strong>{imp.filename}</strong> · {t('import.summary', { rows: imp.rowCount, columns: imp.columns.length })}
          </p>
          <table className="table mapping-table">
            <thead>
              <tr>
                <th>{t('import.field')}</th>
                <th>{t('import.column')}</th>
              </tr>
            </thead>
            <tbody>
              {(imp.fields ?? Object.keys(mapping).map((field) => ({ field, required: false }))).map(({ field, required }) => (
                <tr key={field}>
                  <td>
                    {field} {required ? <span className="muted">({t('import.required')})</span> : null}
                  </td>
                  <td>
                    <select
                      aria-label={field}
                      value={mapping[field] ?? ''}
                      onChange={(e) => {
                        const next = { ...mapping };
                        if (e.target.value) next[field] = e.target.value;
                        else delete next[field];
                        setMapping(next);
                      }}
                    >
                      <option value="">{t('import.unmapped')}</option>
                      {imp.columns.map((c) => (
                        <option key={c} value={c}>
                          {c}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {imp.sample?.length ? (
            <details>
              <summary>{t('import.sample')}</summary>
              <pre>{JSON.stringify(imp.sample, null, 2)}</pre>
            </details>
          ) : null}
          <div className="form-actions">
            <button
              type="button"
              className="btn"
              disabled={busy === 'check'}
              onClick={() =>
                void run('check', async () => {
                  const checked = await ordersApi.mapImport(imp.id, mapping);
                  setImp({ ...imp, ...checked, fields: imp.fields, sample: imp.sample });
                })
              }
            >
              {busy === 'check' ? t('import.checking') : t('import.check')}
            </button>
            {imp.status === 'validated' ? (
              <button type="button" className="btn btn-primary" onClick={() => void run('check', async () => setImp({ ...imp, ...(await ordersApi.commitImport(imp.id)) }))}>
                {t('import.commit')}
              </button>
            ) : null}
          </div>
          {imp.status === 'validated' ? <p className="banner banner-ok">{t('import.valid', { count: imp.orderCount ?? 0 })}</p> : null}
          {imp.status === 'invalid' ? (
            <div>
              <p className="banner banner-error">{t('import.errors', { count: imp.errorCount })}</p>
              <table className="table">
                <thead>
                  <tr>
                    <th>{t('import.row')}</th>
                    <th>{t('import.column')}</th>
                    <th>{t('import.message')}</th>
                  </tr>
                </thead>
                <tbody>
                  {imp.errors.map((e, i) => (
                    <tr key={i}>
                      <td>{e.row}</td>
                      <td>{e.column ?? e.field ?? ''}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}

      {imp && ['committing', 'completed', 'failed'].includes(imp.status) ? (
        <div>
          <p>{imp.status === 'committing' ? t('import.committing') : imp.status === 'completed' ? t('import.done', { count: imp.numbers.length }) : t('import.failed', { reason: imp.failure ?? '' })}</p>
          <progress className="import-progress" max={100} value={imp.progress.percent} aria-label={t('import.step3')}>
            {imp.progress.percent}%
          </progress>
          {imp.status === 'completed' && imp.numbers[0] ? (
            <p>
              <Link to={`/orders/${imp.numbers[0]}`}>{imp.numbers[0]}</Link>
              {imp.numbers.length > 1 ? ` … ${imp.numbers[imp.numbers.length - 1]}` : ''}
            </p>
          ) : null}
          {imp.status !== 'committing' ? (
            <button type="button" className="btn" onClick={reset}>
              {t('import.again')}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
