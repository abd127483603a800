/**
 * The scheduling board (issue #5), in the manner of a work-centre load view: resources (warehouses,
 * production lines) as rows, days as columns; each cell a capacity bar and the orders planned there.
 * An order moves by drag and drop (HTML5) or by the “Move…” dialog (keyboard); the server re-runs
 * the allocation checks and a refusal lists each failed one.
 */
import { useEffect, useMemo, useState, type DragEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Board, BoardCell, BoardOrder, BoardResource, FailedCheck, MoveResult, ResourceKind } from '../../server/contracts/scheduling';
import { api, ApiError } from '../app/api';
import { useSession } from '../app/session';
import { useLoad } from '../app/use-load';
import { ErrorBanner, Field, Loading, Notice, PageHeader } from '../app/ui';
import { registerMessages } from '../i18n';
import { useFormat } from '../i18n/format';
import ordersMessages from '../orders/i18n';
import messages from './i18n';
import { CapacityEditor } from './CapacityEditor';
import './scheduling.css';

registerMessages(messages);
registerMessages(ordersMessages);

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const shift = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const DRAG_TYPE = 'application/x-ordo-order';
/** other planners' moves show up without a reload (one range read of the small plan buckets) */
const REFRESH_MS = 30_000;
/** a busy day shows this many chips until opened (hundreds of chips would slow the page) */
const CHIPS_SHOWN = 4;

interface Target {
  kind: ResourceKind;
  code: string;
  date: string;
}

/** A move the server refused: its failed checks, or another failure. */
interface Refusal {
  number: string;
  checks: FailedCheck[];
  error?: unknown;
}

function refusalOf(number: string, err: unknown): Refusal {
  const failed = err instanceof ApiError ? (err.problem?.failedChecks as FailedCheck[] | undefined) : undefined;
  return failed?.length ? { number, checks: failed } : { number, checks: [], error: err };
}

function Checks({ refusal }: { refusal: Refusal }) {
  const { t } = useTranslation('scheduling');
  if (!refusal.checks.length) return <ErrorBanner error={refusal.error} />;
  return (
    <div className="banner banner-error schedule-refusal" role="alert">
      <span>{t('move.refused', { number: refusal.number })}</span>
      <ul>
        {refusal.checks.map((c) => (
          <li key={c.check} data-check={c.check}>
            <strong>{t(`checks.${c.check}`)}</strong>: {c.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Chip({ order, canPlan, onMove, showUnits = false }: { order: BoardOrder; canPlan: boolean; onMove(o: BoardOrder): void; showUnits?: boolean }) {
  const { t } = useTranslation('scheduling');
  const f = useFormat();
  const canRead = useSession().can('orders.read');
  const draggable = canPlan && order.movable;
  const start = (e: DragEvent) => {
    e.dataTransfer.setData(DRAG_TYPE, order.number);
    e.dataTransfer.setData('text/plain', order.number);
    e.dataTransfer.effectAllowed = 'move';
  };
  return (
    <div
      className={`schedule-chip priority-${order.priority}${order.movable ? '' : ' locked'}`}
      data-number={order.number}
      draggable={draggable}
      onDragStart={draggable ? start : undefined}
      title={order.movable ? undefined : t('chip.locked', { status: t(`orders:status.${order.status}`) })}
    >
      <div className="schedule-chip-head">
        {canRead ? (
          <Link className="schedule-chip-number" to={`/orders/${order.number}`} draggable={false}>
            {order.number}
          </Link>
        ) : (
          <span className="schedule-chip-number">{order.number}</span>
        )}
        <span className={`schedule-priority priority-${order.priority}`}>{t(`priority.${order.priority}`)}</span>
      </div>
      <div className="schedule-chip-customer">{order.customer}</div>
      <div className="schedule-chip-meta">
        {f.currency(order.total, order.currency)} · {t('chip.skus', { count: order.skus })}
        {showUnits ? ` · ${t('chip.units', { count: order.units })}` : ''} · {t(`orders:status.${order.status}`)}
      </div>
      {canPlan && order.movable ? (
        <button type="button" className="btn btn-small schedule-move" onClick={() => onMove(order)} aria-label={`${t('move.button')} ${order.number}`}>
          {t('move.button')}
        </button>
      ) : null}
    </div>
  );
}

function CellView({ resource, cell, isToday, canPlan, onMove, onDrop }: { resource: BoardResource; cell: BoardCell; isToday: boolean; canPlan: boolean; onMove(o: BoardOrder): void; onDrop(number: string, target: Target): void }) {
  const { t } = useTranslation('scheduling');
  const f = useFormat();
  const [over, setOver] = useState(false);
  const [open, setOpen] = useState(false);
  const unit = t(`units.${resource.unit}`);
  const ratio = cell.capacity ? Math.min(1, cell.used / cell.capacity) : cell.used > 0 ? 1 : 0;
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const number = e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData('text/plain');
    if (number) onDrop(number, { kind: resource.kind, code: resource.code, date: cell.date });
  };
  const dropProps = canPlan
    ? {
        onDragOver: (e: DragEvent) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'move';
          setOver(true);
        },
        onDragLeave: () => setOver(false),
        onDrop: drop,
      }
    : {};
  return (
    <td className={`schedule-cell${cell.overloaded ? ' overloaded' : cell.capacity !== null && cell.used === cell.capacity && cell.used > 0 ? ' full' : ''}${isToday ? ' today' : ''}${over ? ' drop-over' : ''}`} data-resource={resource.code} data-date={cell.date} {...dropProps}>
      <div className="schedule-load" title={t(`sourceHint.${cell.source}`)}>
        <div className="schedule-bar" role="meter" aria-valuemin={0} aria-valuemax={cell.capacity ?? undefined} aria-valuenow={cell.used} aria-label={`${resource.code} ${cell.date}`}>
          <div className="schedule-bar-fill" style={{ width: `${Math.round(ratio * 100)}%` }} />
        </div>
        <div className="schedule-load-text">
          <span className="schedule-load-figures">
            {cell.capacity === null ? t('loadUnknown', { used: f.number(cell.used), unit }) : t('load', { used: f.number(cell.used), capacity: f.number(cell.capacity), unit })}
          </span>
          <span className={`schedule-source source-${cell.source}`}>{t(`source.${cell.source}`)}</span>
        </div>
        {cell.overloaded ? <div className="schedule-overloaded">{t('overloaded')}</div> : null}
      </div>
      {(open ? cell.orders : cell.orders.slice(0, CHIPS_SHOWN)).map((o) => (
        <Chip key={o.number} order={o} canPlan={canPlan} onMove={onMove} showUnits={resource.unit === 'units'} />
      ))}
      {cell.orders.length > CHIPS_SHOWN ? (
        <button type="button" className="btn btn-small schedule-more" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? t('chip.fewer') : t('chip.more', { count: cell.orders.length - CHIPS_SHOWN })}
        </button>
      ) : null}
    </td>
  );
}

function MoveDialog({ order, board, onClose, onMoved }: { order: BoardOrder; board: Board; onClose(): void; onMoved(r: MoveResult): void }) {
  const { t } = useTranslation('scheduling');
  const first = order.productionLine && !order.warehouse ? `productionLine|${order.productionLine}` : `warehouse|${order.warehouse ?? ''}`;
  const [target, setTarget] = useState(first);
  const [date, setDate] = useState(order.plannedShipDate?.slice(0, 10) ?? board.today);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const [kind, code] = target.split('|') as [ResourceKind, string];
    setBusy(true);
    setRefusal(undefined);
    try {
      onMoved(await api.post<MoveResult>('/api/scheduling/moves', { number: order.number, [kind]: code, plannedShipDate: date, ...(note.trim() ? { note: note.trim() } : {}) }));
    } catch (err) {
      setRefusal(refusalOf(order.number, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="schedule-dialog-backdrop">
      <form className="schedule-dialog" role="dialog" aria-modal="true" aria-label={t('move.title', { number: order.number })} onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <h2>{t('move.title', { number: order.number })}</h2>
        <Field label={t('move.target')}>
          {(id) => (
            <select id={id} value={target} onChange={(e) => setTarget(e.target.value)} autoFocus>
              {(['warehouse', 'productionLine'] as const).map((kind) => (
                <optgroup key={kind} label={t(`kinds.${kind}`)}>
                  {board.resources
                    .filter((r) => r.kind === kind)
                    .map((r) => (
                      <option key={r.code} value={`${kind}|${r.code}`}>
                        {r.code}
                      </option>
                    ))}
                </optgroup>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('move.date')}>{(id) => <input id={id} type="date" value={date} min={board.today} onChange={(e) => setDate(e.target.value)} required />}</Field>
        <Field label={t('move.note')}>{(id) => <input id={id} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />}</Field>
        {refusal ? <Checks refusal={refusal} /> : null}
        <div className="schedule-dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? t('move.moving') : t('move.submit')}
          </button>
        </div>
      </form>
    </div>
  );
}

export default function SchedulingPage() {
  const { t } = useTranslation('scheduling');
  const f = useFormat();
  const { can } = useSession();
  const canPlan = can('scheduling.plan');
  const [range, setRange] = useState({ from: today(), days: 7 });
  const { data: board, error, reload } = useLoad(() => api.get<Board>(`/api/scheduling/board?from=${range.from}&days=${range.days}`), [range.from, range.days]);
  const [moving, setMoving] = useState<BoardOrder>();
  const [refusal, setRefusal] = useState<Refusal>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && !moving && reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload, moving]);

  const orders = useMemo(() => new Map((board ? [...board.resources.flatMap((r) => r.cells.flatMap((c) => c.orders)), ...board.unscheduled] : []).map((o) => [o.number, o])), [board]);
  const moved = (r: MoveResult) => {
    setMoving(undefined);
    setRefusal(undefined);
    setNotice(t('move.moved', { number: r.number, target: r.to.warehouse ?? r.to.productionLine, date: f.date(r.to.plannedShipDate) }));
    reload();
  };
  const drop = async (number: string, target: Target) => {
    const o = orders.get(number);
    if (!o) return;
    const same = (target.kind === 'warehouse' ? o.warehouse : o.productionLine) === target.code && o.plannedShipDate?.slice(0, 10) === target.date;
    if (same) return;
    setBusy(true);
    setNotice(undefined);
    setRefusal(undefined);
    try {
      moved(await api.post<MoveResult>('/api/scheduling/moves', { number, [target.kind]: target.code, plannedShipDate: target.date }));
    } catch (err) {
      setRefusal(refusalOf(number, err));
    } finally {
      setBusy(false);
    }
  };
  const sources = [...new Set(board?.resources.flatMap((r) => r.cells.map((c) => c.source)) ?? [])];

  return (
    <div className="page scheduling-page" aria-busy={busy}>
      <PageHeader title={t('title')}>
        <button type="button" className="btn" onClick={() => setRange({ ...range, from: shift(range.from, -range.days) })}>
          ‹ {t('nav.previous')}
        </button>
        <button type="button" className="btn" onClick={() => setRange({ ...range, from: today() })}>
          {t('nav.today')}
        </button>
        <button type="button" className="btn" onClick={() => setRange({ ...range, from: shift(range.from, range.days) })}>
          {t('nav.next')} ›
        </button>
        <label className="schedule-days">
          {t('nav.from')}{' '}
          <input type="date" value={range.from} onChange={(e) => e.target.value && setRange({ ...range, from: e.target.value })} />
        </label>
        <label className="schedule-days">
          {t('nav.days')}{' '}
          <select value={range.days} onChange={(e) => setRange({ ...range, days: Number(e.target.value) })}>
            {[5, 7, 14, 21].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn" onClick={reload}>
          {t('nav.refresh')}
        </button>
      </PageHeader>
      <p className="muted">{t('intro')}</p>
      <ErrorBanner error={error} />
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {refusal ? <Checks refusal={refusal} /> : null}
      {!board ? (
        error ? null : <Loading />
      ) : (
        <>
          <p className="muted schedule-legend">
            {t('legend', { sources: new Intl.ListFormat(f.locale, { type: 'unit' }).format(sources.map((s) => t(`source.${s}`))) || '–' })}{' '}
            {board.productionConnector.error ? t('connectorDown', { error: board.productionConnector.error }) : board.productionConnector.configured ? '' : t('noConnector')}
          </p>
          <div className="schedule-scroll">
            <table className="schedule-grid">
              <thead>
                <tr>
                  <th scope="col">{t('resource')}</th>
                  {board.days.map((d) => (
                    <th key={d} scope="col" className={d === board.today ? 'today' : undefined} data-date={d}>
                      {new Intl.DateTimeFormat(f.locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`))}
                      <br />
                      {f.date(`${d}T12:00:00Z`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {board.resources.map((r) => (
                  <tr key={`${r.kind}|${r.code}`} data-kind={r.kind} data-code={r.code}>
                    <th scope="row" className="schedule-resource">
                      <span className="schedule-resource-code">{r.code}</span>
                      <span className="muted">
                        {t(`kinds.${r.kind}`)} · {t(`units.${r.unit}`)}
                      </span>
                    </th>
                    {r.cells.map((c) => (
                      <CellView key={c.date} resource={r} cell={c} isToday={c.date === board.today} canPlan={canPlan} onMove={setMoving} onDrop={(n, target) => void drop(n, target)} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {board.resources.every((r) => r.cells.every((c) => c.orders.length === 0)) ? <p className="empty-state">{t('empty')}</p> : null}
          <section className="schedule-unscheduled">
            <h2 className="section-title">{t('unscheduled')}</h2>
            {board.unscheduled.length ? (
              <div className="schedule-chips">
                {board.unscheduled.map((o) => (
                  <Chip key={o.number} order={o} canPlan={canPlan} onMove={setMoving} />
                ))}
              </div>
            ) : (
              <p className="muted">{t('unscheduledEmpty')}</p>
            )}
          </section>
          <CapacityEditor canEdit={canPlan} onSaved={reload} />
          {moving ? <MoveDialog order={moving} board={board} onClose={() => setMoving(undefined)} onMoved={moved} /> : null}
        </>
      )}
    </div>
  );
}
