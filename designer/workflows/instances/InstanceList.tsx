/** Instances with filters (process, status, incident, business key) kept in the URL; 50 a page. */
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorBanner, Loading } from '../../app/ui';
import { useFormat } from '../../i18n/format';
import { INSTANCE_STATUSES, listInstances, listProcesses, type InstanceSummaryView } from '../api';
import { StatusBadge } from '../parts';

const PAGE = 50;

export function InstanceList() {
  const { t } = useTranslation('workflows');
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const [keys, setKeys] = useState<string[]>([]);
  const [result, setResult] = useState<{ items: InstanceSummaryView[]; total: number }>();
  const [error, setError] = useState<unknown>();
  const process = params.get('process') ?? '';
  const status = params.get('status') ?? '';
  const incident = params.get('incident') ?? '';
  const businessKey = params.get('businessKey') ?? '';
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const [keyInput, setKeyInput] = useState(businessKey);

  useEffect(() => {
    listProcesses().then((list) => setKeys(list.map((p) => p.key).sort()), setError);
  }, []);

  useEffect(() => {
    const ctl = new AbortController();
    setResult(undefined);
    listInstances({ processKey: process, status, businessKey, incident: incident === '' ? undefined : incident === 'yes', limit: PAGE, offset }, ctl.signal).then(
      (r) => {
        setResult(r);
        setError(undefined);
      },
      (err) => {
        if ((err as Error).name !== 'AbortError') setError(err);
      },
    );
    return () => ctl.abort();
  }, [process, status, incident, businessKey, offset]);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    next.delete('offset');
    setParams(next, { replace: true });
  };

  const submitKey = (e: FormEvent) => {
    e.preventDefault();
    setFilter('businessKey', keyInput.trim());
  };

  const page = (to: number) => {
    const next = new URLSearchParams(params);
    if (to > 0) next.set('offset', String(to));
    else next.delete('offset');
    setParams(next);
  };

  return (
    <section aria-labelledby="instances-title">
      <div className="panel-toolbar">
        <h2 id="instances-title">{t('instances.title')}</h2>
        {result ? <span className="muted">{t('instances.count', { count: result.total })}</span> : null}
      </div>
      <form className="wf-filters" onSubmit={submitKey} role="search" aria-label={t('instances.filters')}>
        <label className="wf-filter">
          <span>{t('instances.process')}</span>
          <select value={process} onChange={(e) => setFilter('process', e.target.value)} data-filter="process">
            <option value="">{t('instances.any')}</option>
            {[...new Set([...keys, ...(process ? [process] : [])])].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="wf-filter">
          <span>{t('instances.status')}</span>
          <select value={status} onChange={(e) => setFilter('status', e.target.value)} data-filter="status">
            <option value="">{t('instances.any')}</option>
            {INSTANCE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="wf-filter">
          <span>{t('instances.incident')}</span>
          <select value={incident} onChange={(e) => setFilter('incident', e.target.value)} data-filter="incident">
            <option value="">{t('instances.any')}</option>
            <option value="yes">{t('instances.withIncident')}</option>
            <option value="no">{t('instances.withoutIncident')}</option>
          </select>
        </label>
        <label className="wf-filter wf-filter-grow">
          <span>{t('instances.businessKey')}</span>
          <input value={keyInput} onChange={(e) => setKeyInput(e.target.value)} placeholder={t('instances.businessKeyPlaceholder')} data-filter="businessKey" />
        </label>
        <button type="submit" className="btn">
          {t('instances.search')}
        </button>
      </form>
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      {!result && !error ? <Loading /> : null}
      {result ? (
        result.items.length ? (
          <>
            <table className="table" data-testid="instance-table">
              <thead>
                <tr>
                  <th>{t('instances.instance')}</th>
                  <th>{t('instances.process')}</th>
                  <th>{t('instances.businessKey')}</th>
                  <th>{t('instances.status')}</th>
                  <th>{t('instances.at')}</th>
                  <th>{t('instances.started')}</th>
                  <th>{t('instances.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {result.items.map((i) => (
                  <tr key={i.id} data-instance-id={i.id}>
                    <td>
                      <Link to={`/workflows/instances/${encodeURIComponent(i.id)}`}>
                        <code>{i.id.length > 14 ? `${i.id.slice(0, 12)}…` : i.id}</code>
                      </Link>
                    </td>
                    <td>
                      <code>{i.processKey}</code> <span className="muted">v{i.version}</span>
                    </td>
                    <td>{i.businessKey ?? <span className="muted">—</span>}</td>
                    <td>
                      <StatusBadge status={i.status} incident={i.incident} />
                    </td>
                    <td className="wf-tokens">{i.tokens.length ? i.tokens.join(', ') : <span className="muted">—</span>}</td>
                    <td>{format.dateTime(i.startedAt)}</td>
                    <td>{format.relative(i.endedAt ?? i.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {result.total > PAGE ? (
              <div className="wf-pager">
                <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => page(Math.max(0, offset - PAGE))}>
                  {t('instances.previous')}
                </button>
                <span className="muted">{t('instances.range', { from: offset + 1, to: Math.min(offset + PAGE, result.total), total: result.total })}</span>
                <button type="button" className="btn btn-small" disabled={offset + PAGE >= result.total} onClick={() => page(offset + PAGE)}>
                  {t('instances.next')}
                </button>
              </div>
            ) : null}
          </>
        ) : (
          <div className="empty-state">{t('instances.empty')}</div>
        )
      ) : null}
    </section>
  );
}
