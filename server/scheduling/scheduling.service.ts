/**
 * The scheduling board (issue #5): warehouses and production lines × days, the allocated orders
 * still to ship planned on each, capacity and use; and the planner's move, which re-runs the
 * allocation checks first.
 *
 * Reads: the plan buckets of the order index (`p:<day>`, `p:unscheduled`, see order-index.ts), one
 * range query over that small collection, never the orders collection (FerretDB 1.24 would scan
 * every order for any filter other than {_id}). A move reads the one order by _id and the plan
 * bucket of the target day.
 *
 * Units: a warehouse is loaded in orders per day, a production line in units per day (the measure
 * the production connector and the allocation rules' earliestProductionSlot use).
 * Capacity sources: a warehouse's figure is Ordo's own (CapacityStore); a production line's is the
 * production connector's free capacity (the rules' productionCapacity fact source) when that
 * connector is configured, else Ordo's own. Every cell says which source its figure came from.
 *
 * Concurrency: two planners filling the last slot of one cell at the same moment can both pass the
 * capacity check (FerretDB has no isolated conditional write to count with); the board then shows
 * the cell red. The order itself is written under its version claim (OrdersService.mutate).
 */
import { ConflictError, UnprocessableError } from '../../workflows/model/errors';
import { withDeadline } from '../../workflows/model/deadline';
import type { OrderStatus } from '../../workflows/model/order';
import type { CapacitySlot, FactSources, WarehouseStock } from '../../engine/rules';
import type { AuditService } from '../audit/audit.service';
import { actorOf, type Principal } from '../auth/principal';
import { assertInScope, inScope, orderFacts, scopeOf, type RecordScope } from '../auth/record-scope';
import {
  MOVABLE_STATUSES,
  type Board,
  type BoardCell,
  type BoardOrder,
  type BoardResource,
  type CapacitySettings,
  type CapacitySource,
  type FailedCheck,
  type MoveRequest,
  type MoveResult,
  type ResourceKind,
} from '../contracts/scheduling';
import type { BucketOp, BucketStore } from '../orders/bucket-store';
import { dayOf, NOT_TO_SHIP, parseOpenEntry, parsePlanEntry, planBucketOf, planEntry, UNSCHEDULED, type PlanRow } from '../orders/order-index';
import { indexedOrder } from '../orders/order-view';
import type { OrdersService } from '../orders/orders.service';
import type { CapacityStore } from './capacity-store';

const DAY_MS = 86_400_000;
/** a connector that does not answer within this is reported, and the board falls back to Ordo's figures */
const CONNECTOR_TIMEOUT_MS = 5_000;

const addDays = (day: string, n: number): string => dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);

const withTimeout = <T>(what: string, pending: Promise<T>): Promise<T> => withDeadline(pending, CONNECTOR_TIMEOUT_MS, () => new Error(`${what} did not answer within ${CONNECTOR_TIMEOUT_MS} ms`));

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const codeOf = (row: PlanRow, kind: ResourceKind) => (kind === 'warehouse' ? row.warehouse : row.productionLine);
/** what one order weighs on a resource: one order on a warehouse, its units on a production line */
const loadOf = (row: Pick<PlanRow, 'units'>, kind: ResourceKind) => (kind === 'warehouse' ? 1 : row.units);

export interface SchedulingDeps {
  buckets: BucketStore;
  orders: OrdersService;
  capacity: CapacityStore;
  /** the rules' dynamic fact sources: stockLevels and productionCapacity when their connectors are configured */
  facts: Pick<FactSources, 'stockLevels' | 'productionCapacity'>;
  audit: AuditService;
  /** today's day, UTC (tests may pin it) */
  today?: () => string;
}

interface CapacityLookup {
  settings: CapacitySettings;
  /** production connector slots by "line|date", when the connector is configured and answered */
  slots?: Map<string, number>;
  connector: Board['productionConnector'];
}

/** the board asks the production connector at most this often per range (every open board refreshes itself) */
const CONNECTOR_CACHE_MS = 15_000;

export class SchedulingService {
  private readonly slotCache = new Map<string, { at: number; lookup: Promise<CapacityLookup> }>();

  constructor(private readonly deps: SchedulingDeps) {}

  /** The board's capacity lookup, shared for a few seconds between boards of the same range (a move always asks afresh). */
  private cachedLookup(from: string, days: number): Promise<CapacityLookup> {
    const now = Date.now();
    for (const [k, v] of this.slotCache) if (now - v.at > CONNECTOR_CACHE_MS) this.slotCache.delete(k);
    const key = `${from}|${days}`;
    const hit = this.slotCache.get(key);
    if (hit) return hit.lookup.then(async (l) => ({ ...l, settings: await this.deps.capacity.get() }));
    const lookup = this.capacityLookup(from, days);
    // a failed answer is not kept: the next board asks again
    this.slotCache.set(key, { at: now, lookup });
    void lookup.then((l) => l.connector.error && this.slotCache.delete(key), () => this.slotCache.delete(key));
    return lookup;
  }

  private today(): string {
    return this.deps.today?.() ?? dayOf(Date.now());
  }

  /** The board for `days` days from `from` (default today), as the caller's record scope lets them see it. */
  async board(principal: Principal, q: { from?: string; days: number }): Promise<Board> {
    const started = Date.now();
    const today = this.today();
    const from = q.from ?? today;
    const days = Array.from({ length: q.days }, (_, i) => addDays(from, i));
    const scope = scopeOf(principal);
    const [range, unscheduledDoc, capacity] = await Promise.all([
      this.deps.buckets.range(`p:${from}`, `p:${days[days.length - 1]}`),
      this.deps.buckets.get(`p:${UNSCHEDULED}`),
      this.cachedLookup(from, q.days),
    ]);
    const visible = (row: PlanRow) => inScope(scope, orderFacts({ channel: row.channel, allocation: { warehouse: row.warehouse } }));
    const rows = [...range.values()].flatMap((d) => (d.entries ?? []).map(parsePlanEntry)).filter(visible);
    const unscheduled = (unscheduledDoc?.entries ?? []).map(parsePlanEntry).filter(visible);

    const resources = this.resourcesOf(rows, unscheduled, capacity, scope);
    const byCell = new Map<string, PlanRow[]>();
    for (const row of rows) {
      for (const kind of ['warehouse', 'productionLine'] as const) {
        const code = codeOf(row, kind);
        if (!code || !row.plannedShipDate) continue;
        const key = `${kind}|${code}|${row.plannedShipDate.slice(0, 10)}`;
        byCell.set(key, [...(byCell.get(key) ?? []), row]);
      }
    }
    const out: BoardResource[] = resources.map(({ kind, code }) => ({
      kind,
      code,
      unit: kind === 'warehouse' ? 'orders' : 'units',
      cells: days.map((date): BoardCell => {
        const orders = (byCell.get(`${kind}|${code}|${date}`) ?? []).sort(byPriority);
        const used = orders.reduce((sum, o) => sum + loadOf(o, kind), 0);
        const { capacity: cap, source } = this.capacityOf(capacity, kind, code, date);
        return { date, used, capacity: cap, source, overloaded: cap !== null && used > cap, orders: orders.map(chip) };
      }),
    }));
    return { from, days, today, resources: out, unscheduled: unscheduled.sort(byPriority).map(chip), productionConnector: capacity.connector, generatedInMs: Date.now() - started };
  }

  /** Warehouses: Ordo's configured ones and those orders are planned on (a warehouse scope: its own). Lines: the connector's, Ordo's, and those in use. */
  private resourcesOf(rows: PlanRow[], unscheduled: PlanRow[], capacity: CapacityLookup, scope: RecordScope | null): Array<{ kind: ResourceKind; code: string }> {
    const all = [...rows, ...unscheduled];
    const warehouses = new Set([...Object.keys(capacity.settings.warehouses), ...all.map((r) => r.warehouse).filter((w): w is string => Boolean(w))]);
    const inUse = new Set(all.map((r) => r.productionLine).filter((l): l is string => Boolean(l)));
    const lines = new Set([...inUse, ...Object.keys(capacity.settings.productionLines), ...[...(capacity.slots?.keys() ?? [])].map((k) => k.split('|')[0])]);
    const limitedToWarehouses = Boolean(scope?.warehouses.length);
    const wh = limitedToWarehouses ? [...scope!.warehouses] : [...warehouses];
    // a warehouse-limited planner sees the lines only where their own orders are
    const ln = limitedToWarehouses ? [...inUse] : [...lines];
    return [...wh.sort().map((code) => ({ kind: 'warehouse' as const, code })), ...ln.sort().map((code) => ({ kind: 'productionLine' as const, code }))];
  }

  private async capacityLookup(from: string, days: number): Promise<CapacityLookup> {
    const settings = await this.deps.capacity.get();
    const source = this.deps.facts.productionCapacity;
    if (!source) return { settings, connector: { configured: false } };
    try {
      const slots: CapacitySlot[] = await withTimeout('The production connector', source({ from, days }));
      return { settings, slots: new Map(slots.map((s) => [`${s.line}|${s.date}`, s.capacity])), connector: { configured: true } };
    } catch (err) {
      return { settings, connector: { configured: true, error: message(err) } };
    }
  }

  private capacityOf(c: CapacityLookup, kind: ResourceKind, code: string, date: string): { capacity: number | null; source: CapacitySource } {
    if (kind === 'warehouse') {
      const own = Object.hasOwn(c.settings.warehouses, code) ? c.settings.warehouses[code] : undefined;
      return own === undefined ? { capacity: c.settings.defaultWarehouse, source: 'ordo-default' } : { capacity: own, source: 'ordo' };
    }
    const slot = c.slots?.get(`${code}|${date}`);
    if (slot !== undefined) return { capacity: slot, source: 'connector' };
    const own = Object.hasOwn(c.settings.productionLines, code) ? c.settings.productionLines[code] : undefined;
    return own === undefined ? { capacity: c.settings.defaultProductionLine, source: 'ordo-default' } : { capacity: own, source: 'ordo' };
  }

  /**
   * Moves one order to another warehouse or production line and / or day, after the allocation
   * checks: a movable status (409), a date not in the past, capacity left on the target that day,
   * every line in stock at a new warehouse, the production line's free capacity for the whole
   * order (422, naming each failed check).
   */
  async move(principal: Principal, req: MoveRequest): Promise<MoveResult> {
    const doc = await this.deps.orders.getDoc(req.number);
    const scope = scopeOf(principal);
    assertInScope(scope, orderFacts(doc), `Order ${req.number}`);
    const kind: ResourceKind = req.warehouse ? 'warehouse' : 'productionLine';
    const target = (req.warehouse ?? req.productionLine)!;
    // the planner may only move into their own warehouses
    if (kind === 'warehouse' && !inScope(scope, { channel: doc.channel, warehouse: target })) {
      throw new UnprocessableError(`Warehouse ${target} is outside your record scope`, [{ path: 'warehouse', message: 'is outside your record scope' }]);
    }
    const from = { ...doc.allocation };
    const to = { ...(kind === 'warehouse' ? { warehouse: target } : { productionLine: target }), plannedShipDate: req.plannedShipDate };
    const units = doc.lines.reduce((sum, l) => sum + l.quantity, 0);
    const checks: MoveResult['checks'] = [];
    const check = (name: FailedCheck['check'], ok: boolean, text: string) => checks.push({ check: name, ok, message: text });

    const movable = (MOVABLE_STATUSES as readonly OrderStatus[]).includes(doc.status);
    check('status', movable, movable ? `${doc.status}: still movable` : `the order is ${doc.status}; only ${MOVABLE_STATUSES.join(', ')} orders can be moved (printed, packed or shipped orders keep their plan)`);
    if (!movable) throw refusal(req.number, checks, 409);

    const today = this.today();
    check('date', req.plannedShipDate >= today, req.plannedShipDate >= today ? `${req.plannedShipDate} is not in the past` : `${req.plannedShipDate} is in the past (today is ${today})`);

    const capacity = await this.capacityLookup(req.plannedShipDate, 1);
    const { capacity: cap, source } = this.capacityOf(capacity, kind, target, req.plannedShipDate);
    const planned = ((await this.deps.buckets.get(`p:${req.plannedShipDate}`))?.entries ?? []).map(parsePlanEntry).filter((r) => r.number !== req.number && codeOf(r, kind) === target);
    const used = planned.reduce((sum, r) => sum + loadOf(r, kind), 0);
    const need = loadOf({ units }, kind);
    const unit = kind === 'warehouse' ? 'orders' : 'units';
    const fits = cap !== null && used + need <= cap;
    check('capacity', fits, fits ? `${target} has room on ${req.plannedShipDate} (${used + need} of ${cap} ${unit}, ${source})` : `${target} has no capacity left on ${req.plannedShipDate}: ${used} of ${cap ?? 0} ${unit} planned, this order needs ${need} (${source})`);

    if (kind === 'warehouse') {
      if (from.warehouse === target) check('stock', true, `already allocated to ${target}: its stock is reserved there`);
      else await this.checkStock(doc.lines, target, check);
    } else {
      const slot = capacity.slots?.get(`${target}|${req.plannedShipDate}`);
      if (!capacity.connector.configured) check('production', true, 'no production connector: Ordo’s own capacity figure applies');
      else if (capacity.connector.error) check('production', false, `the production connector did not answer: ${capacity.connector.error}`);
      else check('production', slot !== undefined && slot >= units, slot === undefined ? `the production connector lists no capacity for ${target} on ${req.plannedShipDate}` : slot >= units ? `${target} can still produce ${slot} units that day, the order needs ${units}` : `${target} can produce only ${slot} more units that day, the order needs ${units}`);
    }
    if (checks.some((c) => !c.ok)) throw refusal(req.number, checks, 422);

    const actor = actorOf(principal).label;
    await this.deps.orders.moveAllocation(req.number, to, { actor, expected: doc.allocation, movable: MOVABLE_STATUSES, note: req.note });
    await this.deps.audit.record({ principal, action: 'scheduling.move', target: { type: 'order', id: req.number }, before: from, after: { ...to, note: req.note, checks: checks.map((c) => c.message) } });
    return { number: req.number, from, to, checks };
  }

  /**
   * Orders allocated before the plan buckets existed: put once into their plan day (the first node
   * to start claims the work). Reads only the open orders (from the o:open bucket), each by _id; a
   * node that dies halfway leaves the rest to rebuildIndex().
   */
  async backfillPlans(claim: () => Promise<boolean>): Promise<number> {
    if (!(await claim())) return 0;
    const open = ((await this.deps.buckets.get('o:open'))?.entries ?? []).map(parseOpenEntry).filter((e) => !NOT_TO_SHIP.includes(e.status));
    const ops = new Map<string, BucketOp[]>();
    let planned = 0;
    for (const { number } of open) {
      const doc = await this.deps.orders.getDoc(number).catch(() => undefined);
      const order = doc && indexedOrder(doc);
      const bucket = order && planBucketOf(order);
      if (!order || !bucket) continue;
      ops.set(bucket, [...(ops.get(bucket) ?? []), { removePrefixes: [`${number}|`], add: [planEntry(order)] }]);
      planned++;
    }
    this.deps.buckets.applyMany(ops);
    await this.deps.buckets.drain();
    return planned;
  }

  /** Every line of the order in stock at the warehouse, by the same fact source the allocation rules use. */
  private async checkStock(lines: Array<{ sku: string; quantity: number }>, warehouse: string, check: (name: FailedCheck['check'], ok: boolean, text: string) => void): Promise<void> {
    const source = this.deps.facts.stockLevels;
    if (!source) return void check('stock', true, 'no inventory connector: stock is not checked');
    let stock: WarehouseStock[];
    try {
      stock = await withTimeout('The inventory connector', source([...new Set(lines.map((l) => l.sku))]));
    } catch (err) {
      return void check('stock', false, `the inventory connector did not answer: ${message(err)}`);
    }
    const levels = stock.find((w) => w.warehouse === warehouse)?.levels ?? {};
    const need = new Map<string, number>();
    for (const l of lines) need.set(l.sku, (need.get(l.sku) ?? 0) + l.quantity);
    const short = [...need].filter(([sku, q]) => (levels[sku] ?? 0) < q).map(([sku, q]) => `${sku} ${levels[sku] ?? 0} of ${q}`);
    check('stock', short.length === 0, short.length ? `${warehouse} lacks stock: ${short.join(', ')}` : `${warehouse} has every line in stock`);
  }
}

const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 } as const;
const byPriority = (a: PlanRow, b: PlanRow) => (PRIORITY_RANK[a.priority] ?? 2) - (PRIORITY_RANK[b.priority] ?? 2) || a.number.localeCompare(b.number);

function chip(r: PlanRow): BoardOrder {
  return {
    number: r.number,
    customer: r.customerName,
    priority: r.priority,
    total: r.total,
    currency: r.currency,
    status: r.status,
    channel: r.channel,
    skus: r.skus,
    units: r.units,
    warehouse: r.warehouse,
    productionLine: r.productionLine,
    plannedShipDate: r.plannedShipDate,
    movable: (MOVABLE_STATUSES as readonly OrderStatus[]).includes(r.status),
  };
}

function refusal(number: string, checks: MoveResult['checks'], status: 409 | 422): Error {
  const failed: FailedCheck[] = checks.filter((c) => !c.ok).map(({ check, message: text }) => ({ check, message: text }));
  const title = `Order ${number} cannot be moved: ${failed.map((f) => f.message).join('; ')}`;
  const extensions = { failedChecks: failed, checks };
  return status === 409 ? new ConflictError(title, extensions) : new UnprocessableError(title, failed.map((f) => ({ path: f.check, message: f.message })), extensions);
}
