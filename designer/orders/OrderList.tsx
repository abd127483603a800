import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { CHANNELS, ORDER_STATUSES } from '../../workflows/model/order';
import { ErrorBanner, Field, Loading } from '../app/ui';
import { useFormat } from '../i18n/format';
import { ordersApi, type OrderRow, type SearchParams } from './api';
import { StatusBadge } from './parts';
import { BatchPrintBar } from './BatchPrint';
import { useMayPrint } from './print-parts';

const KEYS = ['number', 'customer', 'status', 'channel', 'warehouse', 'sku', 'from', 'to', 'sort'] as const;

/** Search form + result table; the query lives in the URL so a search can be shared and reloaded. */
export function OrderList() {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const query: SearchParams = Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? undefined]).filter(([, v]) => v)) as SearchParams;
  const [draft, setDraft] = useState<SearchParams>(query);
  const [rows, setRows] = useState<OrderRow[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState<unknown>();
  // order numbers ticked for batch printing, in the order shown
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const mayPrint = useMayPrint();
  const key = params.toString();

  const load = useCallback(
    async (cursor?: string) => {
      setError(undefined);
      try {
        const res = await ordersApi.search({ ...query, cursor });
        setRows((prev) => (cursor ? [...(prev ?? []), ...res.items] : res.items));
        setNext(res.nextCursor);
      } catch (err) {
        setError(err);
        setRows((prev) => prev ?? []);
      }
    },
    // the query is read from the URL; `key` is its identity
    [key],
  );
  useEffect(() => {
    setRows(undefined);
    setSelected(new Set());
    void load();
  }, [load]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of KEYS) if (draft[k]) p.set(k, String(draft[k]));
    setParams(p);
  };
  const input = (k: keyof SearchParams, label: string, type = 'text', hint?: string) => (
    <Field label={label} hint={hint}>
      {(id, d) => <input id={id} aria-describedby={d} type={type} value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value || undefined })} />}
    </Field>
  );
  const select = (k: 'status' | 'channel', label: string, options: readonly string[]) => (
    <Field label={label}>
      {(id) => (
        <select id={id} value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value || undefined })}>
          <option value="">{t('search.any')}</option>
          {options.map((o) => (
            <option key={o} value={o}>
              {t(`${k}.${o}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  const toggle = (numbers: string[], on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const n of numbers) if (on) next.add(n);
      else next.delete(n);
      return next;
    });
  const allSelected = !!rows?.length && rows.every((r) => selected.has(r.number));

  return (
    <div>
      <form className="form-card order-search" onSubmit={submit} role="search">
        <div className="form-grid">
          {input('number', t('search.number'))}
          {input('customer', t('search.customer'), 'text', t('search.customerHint'))}
          {select('status', t('search.status'), ORDER_STATUSES)}
          {select('channel', t('search.channel'), CHANNELS)}
          {input('warehouse', t('search.warehouse'))}
          {input('sku', t('search.sku'))}
          {input('from', t('search.from'), 'date')}
          {input('to', t('search.to'), 'date')}
          <Field label={t('search.sort')}>
            {(id) => (
              <select id={id} value={draft.sort ?? 'newest'} onChange={(e) => setDraft({ ...draft, sort: e.target.value as 'newest' | 'oldest' })}>
                <option value="newest">{t('search.newest')}</option>
                <option value="oldest">{t('search.oldest')}</option>
              </select>
            )}
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            {t('search.submit')}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setDraft({});
              setParams(new URLSearchParams());
            }}
          >
            {t('search.reset')}
          </button>
        </div>
      </form>
      <ErrorBanner error={error} />
      {rows?.length ? <BatchPrintBar selected={rows.filter((r) => selected.has(r.number)).map((r) => r.number)} query={query} /> : null}
      {!rows ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p className="empty-state">{t('search.empty')}</p>
      ) : (
        <table className="table orders-table">
          <thead>
            <tr>
              {mayPrint ? (
                <th className="select-cell">
                  <input type="checkbox" data-testid="select-all" aria-label={t('print:batch.selectAll')} checked={allSelected} onChange={(e) => toggle(rows.map((r) => r.number), e.target.checked)} />
                </th>
              ) : null}
              <th>{t('columns.number')}</th>
              <th>{t('columns.created')}</th>
              <th>{t('columns.customer')}</th>
              <th>{t('columns.channel')}</th>
              <th>{t('columns.status')}</th>
              <th>{t('columns.warehouse')}</th>
              <th className="num">{t('columns.total')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.number}>
                {mayPrint ? (
                  <td className="select-cell">
                    <input type="checkbox" aria-label={t('print:batch.select', { number: r.number })} checked={selected.has(r.number)} onChange={(e) => toggle([r.number], e.target.checked)} />
                  </td>
                ) : null}
                <td>
                  <Link to={`/orders/${r.number}`}>{r.number}</Link>
                </td>
                <td>{f.dateTime(r.createdAt)}</td>
                <td>{r.customerName}</td>
                <td>{t(`channel.${r.channel}`)}</td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{r.warehouse ?? ''}</td>
                <td className="num">{f.currency(r.total, r.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next ? (
        <button type="button" className="btn" onClick={() => void load(next)}>
          {t('search.more')}
        </button>
      ) : null}
    </div>
  );
}
