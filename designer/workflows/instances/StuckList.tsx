/**
 * Stuck orders: the watchdog's list (flows with no progress beyond their step's limit), most
 * overdue first, each with the reason in words and links to the order and the instance.
 * Refreshes itself every 30 s; the limit is kept in the URL (?limit=minutes).
 */
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ErrorBanner, Loading } from '../../app/ui';
import { useFormat } from '../../i18n/format';
import { listStuck, type StuckInstance, type StuckReason } from '../api';
import { StatusBadge } from '../parts';

const LIMITS = [0, 15, 60, 240, 1440] as const;
const REFRESH_MS = 30_000;

function overdueText(t: TFunction, minutes: number): string {
  if (minutes < 60) return t('stuck.overdueMinutes', { count: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t('stuck.overdueHours', { hours, minutes: minutes % 60 });
  return t('stuck.overdueDays', { days: Math.floor(hours / 24), hours: hours % 24 });
}

function ReasonText({ reason }: { reason: StuckReason }) {
  const { t } = useTranslation('workflows');
  const format = useFormat();
  const key = `stuck.reason.${reason.kind}`;
  switch (reason.kind) {
    case 'incident':
      return <>{t(key, { activity: reason.activityId, message: reason.message })}</>;
    case 'task-unclaimed':
    case 'task-claimed':
      return (
        <>
          {t(key, { task: reason.task, groups: reason.kind === 'task-unclaimed' ? reason.groups.join(', ') || t('stuck.anyGroup') : '', who: reason.kind === 'task-claimed' ? reason.claimedBy : '' })}
          {reason.dueAt ? <span className="muted"> · {t('stuck.dueAt', { time: format.dateTime(reason.dueAt) })}</span> : null}
        </>
      );
    case 'message':
      return <>{t(key, { activity: reason.activityId, message: reason.message })}</>;
    case 'signal':
      return <>{t(key, { activity: reason.activityId, signal: reason.signal })}</>;
    case 'timer-missed':
      return <>{t(key, { activity: reason.activityId, due: format.dateTime(reason.dueAt) })}</>;
    case 'no-progress':
      return <>{t(key)}</>;
  }
}

export function StuckList() {
  const { t } = useTranslation('workflows');
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const raw = params.get('limit');
  const limit = raw !== null && raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : undefined;
  const [items, setItems] = useState<StuckInstance[]>();
  const [checkedAt, setCheckedAt] = useState<Date>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(
    (signal?: AbortSignal) =>
      listStuck(limit, signal).then(
        (list) => {
          setItems(list);
          setCheckedAt(new Date());
          setError(undefined);
        },
        (err) => {
          if ((err as Error).name !== 'AbortError') setError(err);
        },
      ),
    [limit],
  );

  useEffect(() => {
    const ctl = new AbortController();
    setItems(undefined);
    void load(ctl.signal);
    const timer = setInterval(() => void load(ctl.signal), REFRESH_MS);
    return () => {
      ctl.abort();
      clearInterval(timer);
    };
  }, [load]);

  const setLimit = (value: string) => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete('limit');
    else next.set('limit', value);
    setParams(next, { replace: true });
  };

  const limitLabel = (m: number) => (m === 0 ? t('stuck.limitNow') : m < 60 ? t('stuck.limitMinutes', { count: m }) : t('stuck.limitHours', { count: m / 60 }));

  return (
    <section aria-labelledby="stuck-title" data-testid="stuck-list">
      <div className="panel-toolbar">
        <h2 id="stuck-title">{t('stuck.title')}</h2>
        {items ? <span className="muted" data-testid="stuck-count">{t('stuck.count', { count: items.length })}</span> : null}
      </div>
      <p className="muted">{t('stuck.intro')}</p>
      <div className="wf-filters">
        <label className="wf-filter">
          <span>{t('stuck.limit')}</span>
          <select value={limit === undefined ? '' : String(limit)} onChange={(e) => setLimit(e.target.value)} data-filter="limit">
            <option value="">{t('stuck.limitDefault')}</option>
            {LIMITS.map((m) => (
              <option key={m} value={String(m)}>
                {limitLabel(m)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn" onClick={() => void load()}>
          {t('stuck.refresh')}
        </button>
        {checkedAt ? <span className="muted">{t('stuck.updated', { time: format.time(checkedAt) })}</span> : null}
      </div>
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      {!items && !error ? <Loading /> : null}
      {items ? (
        items.length ? (
          <table className="table" data-testid="stuck-table">
            <thead>
              <tr>
                <th>{t('stuck.order')}</th>
                <th>{t('stuck.process')}</th>
                <th>{t('stuck.instance')}</th>
                <th>{t('stuck.lastProgress')}</th>
                <th>{t('stuck.overdue')}</th>
                <th>{t('stuck.reasons')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.instanceId} data-instance-id={s.instanceId} data-business-key={s.businessKey ?? ''}>
                  <td>{s.businessKey ? <Link to={`/orders/${encodeURIComponent(s.businessKey)}`}>{s.businessKey}</Link> : <span className="muted">—</span>}</td>
                  <td>
                    <code>{s.processKey}</code>
                  </td>
                  <td>
                    <Link to={`/workflows/instances/${encodeURIComponent(s.instanceId)}`}>
                      <code>{s.instanceId.length > 14 ? `${s.instanceId.slice(0, 12)}…` : s.instanceId}</code>
                    </Link>{' '}
                    <StatusBadge status={s.status} incident={s.reasons.some((r) => r.kind === 'incident')} />
                  </td>
                  <td title={format.dateTime(s.lastProgressAt)}>{format.relative(s.lastProgressAt)}</td>
                  <td>{overdueText(t, s.overdueMinutes)}</td>
                  <td>
                    <ul className="wf-stuck-reasons">
                      {s.reasons.map((r, i) => (
                        <li key={i} data-reason={r.kind}>
                          <ReasonText reason={r} />
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <div className="empty-state" data-testid="stuck-empty">
            {t('stuck.empty')}
          </div>
        )
      ) : null}
    </section>
  );
}
