/**
 * The inbox: queues (mine, my groups, all), counts, order fields as columns, filters (saved per
 * user), sorting, search, keyboard work (j/k or arrows, Enter, c, x, /), bulk claim and complete,
 * scan to work, and live changes from the socket.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { INBOX_QUEUES, type InboxQueue } from '../../server/contracts/inbox';
import { ErrorBanner, Loading, Notice, PageHeader } from '../app/ui';
import { useSession } from '../app/session';
import { useFormat } from '../i18n/format';
import { tasksApi } from './api';
import { claimEach } from './bulk';
import { DEFAULT_SORT, EMPTY_FILTER, distinctValues, isEmptyFilter, loadSavedFilters, matchesFilter, matchesSearch, sortTasks, storeSavedFilters, upsertSaved, type SavedFilter, type Sort, type SortKey, type TaskFilter } from './filters';
import { useLiveInbox } from './live';
import { isEligible, isMine, queueCounts, queueTasks, slaLevel, type InboxTask } from './model';
import { channelLabel, ConnectionBadge, DueCell, EscalationBadge, HolderCell, PriorityCell } from './parts';
import { ScanBox, useScanToWork } from './ScanBox';
import { WedgeDetector } from './scan';
import { FilterBar } from './FilterBar';

const COLUMNS: Array<{ key: SortKey; className?: string }> = [
  { key: 'order' },
  { key: 'task' },
  { key: 'customer' },
  { key: 'channel' },
  { key: 'amount', className: 'num' },
  { key: 'warehouse' },
  { key: 'sku' },
  { key: 'priority' },
  { key: 'due' },
];

const isTyping = (el: EventTarget | null) => el instanceof HTMLElement && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

export function InboxPage() {
  const { t } = useTranslation('tasks');
  const format = useFormat();
  const navigate = useNavigate();
  const { can } = useSession();
  const live = useLiveInbox();
  const { me, state, now } = live;
  const [params] = useSearchParams();
  const queues = INBOX_QUEUES.filter((q) => q !== 'all' || me.seesAll);
  const queue = (queues as readonly string[]).includes(params.get('queue') ?? '') ? (params.get('queue') as InboxQueue) : 'groups';
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<Sort>(DEFAULT_SORT);
  const [filter, setFilter] = useState<TaskFilter>(EMPTY_FILTER);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [saved, setSaved] = useState<SavedFilter[]>(() => loadSavedFilters(me.id));
  const [cursor, setCursor] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const location = useLocation();
  const [notice, setNotice] = useState<string | undefined>((location.state as { notice?: string } | null)?.notice);
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number; running: boolean }>();
  const searchRef = useRef<HTMLInputElement>(null);
  const scan = useScanToWork();
  const canWork = can('tasks.work');

  const counts = useMemo(() => queueCounts(state, me), [state, me]);
  const inQueue = useMemo(() => queueTasks(state, queue, me, now), [state, queue, me, now]);
  const rows = useMemo(() => sortTasks(inQueue.filter((x) => matchesSearch(x, search) && matchesFilter(x, filter, now)), sort), [inQueue, search, filter, now, sort]);
  const options = useMemo(() => ({ channel: distinctValues(inQueue, 'channel'), warehouse: distinctValues(inQueue, 'warehouse') }), [inQueue]);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const at = Math.min(cursor, Math.max(rows.length - 1, 0));

  useEffect(() => setSelected(new Set()), [queue]);

  const claim = useCallback(
    async (task: InboxTask) => {
      setActionError(undefined);
      try {
        live.remember(await tasksApi.claim(task.id));
        setNotice(t('inbox.claimed', { number: task.businessKey ?? task.name }));
      } catch (err) {
        setActionError(err);
      }
    },
    [live, t],
  );

  const open = useCallback((task: InboxTask) => navigate(`/tasks/${encodeURIComponent(task.id)}`), [navigate]);

  // keyboard work and the keyboard-wedge scanner share one listener
  const wedge = useMemo(() => new WedgeDetector(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const typing = isTyping(e.target);
      const scanned = typing && (e.target as HTMLElement).id === 'task-scan' ? undefined : wedge.feed(e.key, e.timeStamp);
      if (scanned) {
        e.preventDefault();
        if (typing && e.target instanceof HTMLInputElement && e.target.value.endsWith(scanned)) {
          // the scan landed in a field (search): take it back out
          const input = e.target;
          const rest = input.value.slice(0, -scanned.length);
          if (input === searchRef.current) setSearch(rest);
        }
        void scan.handleScan(scanned);
        return;
      }
      if (typing) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur();
        return;
      }
      const list = rowsRef.current;
      const current = list[Math.min(cursor, list.length - 1)];
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          e.preventDefault();
          setCursor((c) => Math.min(c + 1, list.length - 1));
          break;
        case 'k':
        case 'ArrowUp':
          e.preventDefault();
          setCursor((c) => Math.max(c - 1, 0));
          break;
        case 'Enter':
          if (current) open(current);
          break;
        case 'c':
          if (current && canWork && current.status === 'open') void claim(current);
          break;
        case 'x':
          if (current) setSelected((s) => toggle(s, current.id));
          break;
        case '/':
          e.preventDefault();
          searchRef.current?.focus();
          break;
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [wedge, cursor, open, claim, canWork, scan]);

  useEffect(() => {
    document.querySelector<HTMLElement>(`tr[data-row="${at}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [at]);

  const selectedTasks = rows.filter((r) => selected.has(r.id));
  const claimable = selectedTasks.filter((r) => r.status === 'open' && (isEligible(r, me) || me.seesAll));
  const completable = selectedTasks.filter((r) => r.noInput && (isMine(r, me) || r.status === 'open'));

  const bulkClaim = async () => {
    setBusy(true);
    setActionError(undefined);
    setNotice(undefined);
    const { claimed, failed } = await claimEach(claimable, async (id) => {
      const view = await tasksApi.claim(id);
      live.remember(view);
      return view;
    });
    setSelected(new Set());
    setBusy(false);
    const names = failed.map((task) => task.businessKey ?? task.name);
    setNotice([t('inbox.bulk.claimDone', { count: claimed.length }), names.length ? t('inbox.bulk.failed', { count: names.length, list: names.join(', ') }) : ''].filter(Boolean).join(' '));
  };

  // the server completes them one by one (only forms that need no input) and reports progress on the socket
  const bulkComplete = async () => {
    setBusy(true);
    setActionError(undefined);
    setNotice(undefined);
    const targets = completable;
    setProgress({ done: 0, total: targets.length, running: true });
    const jobId = `bulk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const stop = await live.watchJob(jobId, (e) => setProgress((p) => ({ done: Math.max(p?.done ?? 0, e.done), total: e.total, running: e.status === 'running' })));
    try {
      const res = await tasksApi.bulkComplete(
        targets.map((x) => x.id),
        jobId,
      );
      setProgress({ done: res.completed.length + res.failed.length, total: res.total, running: false });
      const failed = res.failed.map((f) => targets.find((x) => x.id === f.taskId)).map((x) => x?.businessKey ?? x?.name ?? '');
      setNotice([t('inbox.bulk.completeDone', { count: res.completed.length }), failed.length ? t('inbox.bulk.failed', { count: failed.length, list: failed.join(', ') }) : ''].filter(Boolean).join(' '));
    } catch (err) {
      setProgress(undefined);
      setActionError(err);
    } finally {
      stop();
      setSelected(new Set());
      setBusy(false);
    }
  };

  const sortBy = (key: SortKey) => setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'priority' ? 'desc' : 'asc' }));
  const activeFilters = Object.values(filter).filter(Boolean).length;
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const escalatedCount = inQueue.filter((x) => x.escalation || x.sla === 'escalated').length;

  return (
    <div className="page page-wide tasks-inbox">
      <PageHeader title={t('title')}>
        <ConnectionBadge connection={live.connection} />
        <ScanBox onScan={(text) => void scan.handleScan(text)} busy={scan.busy} />
      </PageHeader>

      {scan.outcome ? (
        scan.outcome.tone === 'ok' ? (
          <Notice onDismiss={scan.clearOutcome}>{scan.outcome.text}</Notice>
        ) : (
          <div className="banner banner-error" role="alert">
            <span>{scan.outcome.text}</span>
            <button type="button" className="banner-close" onClick={scan.clearOutcome} aria-label={t('common:actions.close')}>
              ×
            </button>
          </div>
        )
      ) : null}
      {live.slaNotices.map((n) => (
        <div key={n.taskId} className={`banner banner-sla sla-${n.level}`} role="alert" data-sla={n.level}>
          <span>
            {n.level === 'escalated' && n.escalation?.from
              ? t('sla.notice.escalatedWhy', { number: n.businessKey ?? '', task: n.name, why: t(n.escalation.interrupting ? 'sla.reassignedBy' : 'sla.escalatedBy', { timer: n.escalation.timer, from: n.escalation.from }) })
              : t(`sla.notice.${n.level}`, { number: n.businessKey ?? '', task: n.name, due: format.dateTime(n.dueAt) })}
          </span>
          <Link to={`/tasks/${encodeURIComponent(n.taskId)}`}>{t('sla.open')}</Link>
          <button type="button" className="banner-close" onClick={() => live.dismissSla(n.taskId)} aria-label={t('common:actions.close')}>
            ×
          </button>
        </div>
      ))}
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {progress ? (
        <div className="bulk-progress" role="status" data-running={progress.running}>
          <progress aria-label={t('inbox.bulk.progressLabel')} max={progress.total} value={progress.done} />
          <span>{t(progress.running ? 'inbox.bulk.progress' : 'inbox.bulk.progressDone', { done: progress.done, total: progress.total })}</span>
          {progress.running ? null : (
            <button type="button" className="banner-close" onClick={() => setProgress(undefined)} aria-label={t('common:actions.close')}>
              ×
            </button>
          )}
        </div>
      ) : null}
      {actionError ? <ErrorBanner error={actionError} onDismiss={() => setActionError(undefined)} /> : null}
      {live.loadError ? <ErrorBanner error={live.loadError} /> : null}

      <nav className="tabs queue-tabs" aria-label={t('inbox.queues')}>
        {queues.map((q) => (
          <Link key={q} to={`/tasks?queue=${q}`} className={q === queue ? 'tab active' : 'tab'} aria-current={q === queue ? 'page' : undefined} data-queue={q}>
            {t(`queue.${q}`)}
            <span className="count" data-count={counts[q]}>
              {format.number(counts[q])}
            </span>
          </Link>
        ))}
      </nav>

      <div className="inbox-toolbar">
        <input
          ref={searchRef}
          type="search"
          className="inbox-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder={t('inbox.searchPlaceholder')}
          aria-label={t('inbox.search')}
        />
        <button type="button" className={activeFilters ? 'btn btn-small btn-active' : 'btn btn-small'} aria-expanded={filtersOpen} onClick={() => setFiltersOpen((o) => !o)}>
          {activeFilters ? t('filters.buttonActive', { count: activeFilters }) : t('filters.button')}
        </button>
        {escalatedCount || filter.escalation ? (
          <button
            type="button"
            className={filter.escalation ? 'btn btn-small btn-active escalated-toggle' : 'btn btn-small escalated-toggle'}
            aria-pressed={filter.escalation === 'escalated'}
            title={t('inbox.escalatedOnlyHint')}
            onClick={() => setFilter((f) => ({ ...f, escalation: f.escalation ? '' : 'escalated' }))}
          >
            {t('inbox.escalatedOnly', { count: escalatedCount })}
          </button>
        ) : null}
        {saved.length ? (
          <select
            className="saved-select"
            aria-label={t('filters.saved')}
            value=""
            onChange={(e) => {
              const s = saved.find((x) => x.name === e.target.value);
              if (s) {
                setFilter(s.filter);
                setFiltersOpen(true);
              }
            }}
          >
            <option value="">{t('filters.saved')}</option>
            {saved.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        ) : null}
        <span className="toolbar-spacer" />
        {selected.size ? (
          <span className="bulk-bar" role="group" aria-label={t('inbox.bulk.label')}>
            <span className="muted">{t('inbox.bulk.selected', { count: selected.size })}</span>
            <button type="button" className="btn btn-small" disabled={busy || !claimable.length || !canWork} onClick={() => void bulkClaim()}>
              {t('inbox.bulk.claim', { count: claimable.length })}
            </button>
            <button type="button" className="btn btn-small" disabled={busy || !completable.length || !canWork} onClick={() => void bulkComplete()} title={t('inbox.bulk.completeHint')}>
              {t('inbox.bulk.complete', { count: completable.length })}
            </button>
          </span>
        ) : (
          <span className="muted inbox-shown">{t('inbox.shown', { count: rows.length })}</span>
        )}
      </div>

      {filtersOpen ? (
        <FilterBar
          filter={filter}
          options={options}
          saved={saved}
          onChange={setFilter}
          onSave={(name) => {
            const next = upsertSaved(saved, name, filter);
            setSaved(next);
            storeSavedFilters(me.id, next);
          }}
          onDelete={(name) => {
            const next = saved.filter((s) => s.name !== name);
            setSaved(next);
            storeSavedFilters(me.id, next);
          }}
        />
      ) : null}

      {live.loading && !rows.length ? (
        <Loading />
      ) : (
        <div className="inbox-scroll">
          <table className="table inbox-table" aria-label={t(`queue.${queue}`)}>
            <thead>
              <tr>
                <th className="col-check">
                  <input
                    type="checkbox"
                    aria-label={t('inbox.selectAll')}
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                  />
                </th>
                {COLUMNS.map((c) => (
                  <th key={c.key} className={c.className} aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                    <button type="button" className="th-sort" onClick={() => sortBy(c.key)}>
                      {t(`columns.${c.key}`)}
                      <span className="sort-mark" aria-hidden="true">
                        {sort.key === c.key ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                      </span>
                    </button>
                  </th>
                ))}
                <th className="cell-holder">{t('columns.holder')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => {
                const level = slaLevel(r, now);
                const cls = ['inbox-row', i === at ? 'row-cursor' : '', r.departed ? 'row-departed' : '', level ? `row-sla-${level}` : ''].filter(Boolean).join(' ');
                return (
                  <tr key={r.id} className={cls} data-row={i} data-task-id={r.id} data-order={r.businessKey ?? ''} aria-selected={i === at} onClick={() => setCursor(i)} onDoubleClick={() => open(r)}>
                    <td className="col-check">
                      <input type="checkbox" aria-label={t('inbox.select', { number: r.businessKey ?? r.name })} checked={selected.has(r.id)} onChange={() => setSelected((s) => toggle(s, r.id))} />
                    </td>
                    <td className="cell-order">
                      <Link to={`/tasks/${encodeURIComponent(r.id)}`}>{r.businessKey?.startsWith('mail:') ? `✉ ${t('inbox.mailKey')}` : (r.businessKey ?? '—')}</Link>
                    </td>
                    <td className="cell-task">
                      <span className="task-name">{r.name}</span>
                      <EscalationBadge task={r} />
                      {r.fields.subject ? (
                        <span className="task-subject" title={str(r.fields.subject)}>
                          {str(r.fields.subject)}
                        </span>
                      ) : null}
                      <span className="muted task-age">{format.relative(r.createdAt, new Date(now))}</span>
                    </td>
                    <td className="cell-customer" title={str(r.fields.customer)}>
                      {str(r.fields.customer) || '—'}
                    </td>
                    <td>{channelLabel(t, r.fields.channel)}</td>
                    <td className="num">{typeof r.fields.amount === 'number' ? format.currency(r.fields.amount, str(r.fields.currency) || 'CNY') : '—'}</td>
                    <td>{str(r.fields.warehouse) || '—'}</td>
                    <td className="cell-sku" title={str(r.fields.sku)}>
                      {str(r.fields.sku) || '—'}
                    </td>
                    <td>
                      <PriorityCell priority={r.priority} />
                    </td>
                    <td>
                      <DueCell task={r} now={now} />
                    </td>
                    <td className="cell-holder">
                      {r.status === 'open' && !r.departed && canWork ? (
                        <button type="button" className="btn btn-small" onClick={() => void claim(r)}>
                          {t('actions.claim')}
                        </button>
                      ) : (
                        <HolderCell task={r} me={me} />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {!rows.length ? (
            <div className="empty-state inbox-empty">{search || !isEmptyFilter(filter) ? t('inbox.noMatch') : t(`inbox.empty.${queue}`)}</div>
          ) : null}
          {live.truncated[queue] ? <p className="muted inbox-note">{t('inbox.truncated', { shown: inQueue.length, total: live.truncated[queue] })}</p> : null}
        </div>
      )}
      <p className="inbox-keys muted" aria-label={t('keys.label')}>
        <kbd>j</kbd>/<kbd>k</kbd> {t('keys.move')} · <kbd>Enter</kbd> {t('keys.open')} · <kbd>c</kbd> {t('keys.claim')} · <kbd>x</kbd> {t('keys.select')} · <kbd>/</kbd> {t('keys.search')} · {t('keys.scan')}
      </p>
    </div>
  );
}

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

function toggle(set: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}
