/**
 * The order search index and report rollups, kept in bucket documents (bucket-store.ts):
 *   r:<YYYY-MM-DD>       orders created that UTC day: one entry each (the list row)
 *   d:<YYYY-MM-DD>       that day's counters (intake by channel and status, steps ended, SLA breaches per step and per warehouse, SKUs, …)
 *   o:open               orders not final yet, with the time they entered their status and their warehouse (SLA)
 *   c:<e-mail>           a customer's orders (whole rows)   n:<3 letters>  customers by name token
 *   s:<SKU>|<YYYY-MM>    orders holding a SKU that month
 *   t:<status>[|<wh>]    the last 200 durations of a step (ETA), per warehouse where known
 *   p:<YYYY-MM-DD>       orders still to ship planned to ship that day (warehouse / production line): the scheduling board
 *   p:unscheduled        orders still to ship allocated without a planned ship date
 * Counter keys are enum values or base64url of user data, so no key holds '.' or '$'.
 */
import { FINAL_STATUSES, type Channel, type OrderPriority, type OrderStatus } from '../../workflows/model/order';
import type { BucketOp } from './bucket-store';
import { durationBucket, STEP_SLA_MS } from './sla';

export const SAMPLE_CAP = 200;

export const dayOf = (d: Date | number): string => new Date(d).toISOString().slice(0, 10);
export const monthOf = (d: Date | number): string => new Date(d).toISOString().slice(0, 7);
export const safeKey = (s: string): string => Buffer.from(s, 'utf8').toString('base64url') || '_';
export const fromSafeKey = (k: string): string => (k === '_' ? '' : Buffer.from(k, 'base64url').toString('utf8'));
const enc = (s: string | undefined) => encodeURIComponent(s ?? '');

/** What the index needs to know of an order. */
export interface IndexedOrder {
  number: string;
  createdAt: Date;
  status: OrderStatus;
  statusSince: Date;
  channel: Channel;
  warehouse?: string;
  total: number;
  currency: string;
  customerName: string;
  customerEmail?: string;
  lines: Array<{ sku: string; quantity: number; lineTotal: number }>;
  /** allocation beyond the warehouse (the scheduling board); absent in callers that do not plan */
  productionLine?: string;
  plannedShipDate?: string;
  priority?: OrderPriority;
}

/** An order not final yet: "number|status|ms since|warehouse" (open SLA breaches are read from these). */
export const openEntry = (o: IndexedOrder): string => `${o.number}|${o.status}|${o.statusSince.getTime()}|${enc(o.warehouse)}`;

/** Parses an open entry; entries written before the warehouse was added have none. */
export function parseOpenEntry(e: string): { number: string; status: OrderStatus; since: number; warehouse?: string } {
  const [number, status, since, wh] = e.split('|');
  return { number, status: status as OrderStatus, since: Number(since), warehouse: wh ? decodeURIComponent(wh) : undefined };
}

/** One row of the order list, as stored in a day bucket. */
export interface IndexRow {
  createdAt: number;
  number: string;
  status: OrderStatus;
  statusSince: number;
  channel: Channel;
  warehouse?: string;
  total: number;
  currency: string;
  customerName: string;
}

export function dayEntry(o: IndexedOrder): string {
  return [o.createdAt.getTime(), o.number, o.status, o.statusSince.getTime(), o.channel, enc(o.warehouse), o.total, o.currency, enc(o.customerName)].join('|');
}

export const entryPrefix = (createdAt: Date | number, number: string): string => `${new Date(createdAt).getTime()}|${number}|`;

export function parseDayEntry(e: string): IndexRow {
  const [ms, number, status, since, channel, wh, total, currency, name] = e.split('|');
  return {
    createdAt: Number(ms),
    number,
    status: status as OrderStatus,
    statusSince: Number(since),
    channel: channel as Channel,
    warehouse: wh ? decodeURIComponent(wh) : undefined,
    total: Number(total),
    currency,
    customerName: decodeURIComponent(name ?? ''),
  };
}

/** Name tokens for the customer search: the first three letters of each word, lower-case. */
export function nameTokens(name: string): string[] {
  const words = name
    .toLowerCase()
    .normalize('NFKC')
    .split(/[\s,.;:'"()\-_/]+/)
    .filter(Boolean);
  return [...new Set(words.map((w) => [...w].slice(0, 3).join('')))].slice(0, 6);
}

/* ---------- the scheduling board's plan buckets ---------- */

/** Orders past these are not planned any more (shipped or out of the flow). */
export const NOT_TO_SHIP: readonly OrderStatus[] = ['shipped', 'delivered', 'cancelled', 'rejected'];
export const UNSCHEDULED = 'unscheduled';
const PLAN_DAY = /^\d{4}-\d{2}-\d{2}/;

/** The plan day of an order: its planned ship date's day, or UNSCHEDULED when it has none (or not a date). */
export const planDayOf = (plannedShipDate: string | undefined): string => (plannedShipDate && PLAN_DAY.test(plannedShipDate) ? plannedShipDate.slice(0, 10) : UNSCHEDULED);

/** The plan bucket an order belongs in, or undefined when it is not allocated or not to ship any more. */
export function planBucketOf(o: IndexedOrder): string | undefined {
  if (!o.warehouse && !o.productionLine) return undefined;
  if (NOT_TO_SHIP.includes(o.status)) return undefined;
  return `p:${planDayOf(o.plannedShipDate)}`;
}

/** One board chip: what a planner sees of an order without opening it. */
export interface PlanRow {
  number: string;
  status: OrderStatus;
  channel: Channel;
  warehouse?: string;
  productionLine?: string;
  plannedShipDate?: string;
  priority: OrderPriority;
  total: number;
  currency: string;
  customerName: string;
  /** distinct SKUs */
  skus: number;
  /** units over all lines (production lines are loaded in units) */
  units: number;
}

export function planEntry(o: IndexedOrder): string {
  const skus = new Set(o.lines.map((l) => l.sku)).size;
  const units = o.lines.reduce((sum, l) => sum + l.quantity, 0);
  return [o.number, o.status, o.channel, enc(o.warehouse), enc(o.productionLine), enc(o.plannedShipDate), o.priority ?? 'normal', o.total, o.currency, enc(o.customerName), skus, units].join('|');
}

export function parsePlanEntry(e: string): PlanRow {
  const [number, status, channel, wh, line, date, priority, total, currency, name, skus, units] = e.split('|');
  const opt = (s: string) => (s ? decodeURIComponent(s) : undefined);
  return {
    number,
    status: status as OrderStatus,
    channel: channel as Channel,
    warehouse: opt(wh),
    productionLine: opt(line),
    plannedShipDate: opt(date),
    priority: priority as OrderPriority,
    total: Number(total),
    currency,
    customerName: decodeURIComponent(name ?? ''),
    skus: Number(skus),
    units: Number(units),
  };
}

type Ops = Map<string, BucketOp[]>;
const push = (ops: Ops, id: string, op: BucketOp) => {
  const list = ops.get(id);
  if (list) list.push(op);
  else ops.set(id, [op]);
};

/** A new order: its row, its customer and SKU entries, and the intake counters. */
export function opsForNewOrder(o: IndexedOrder, ops: Ops = new Map()): Ops {
  const ms = o.createdAt.getTime();
  const day = dayOf(o.createdAt);
  const inc: Record<string, number> = { n: 1, [`ch.${o.channel}`]: 1, [`st.${o.status}`]: 1, [`rev.${o.currency}`]: o.total };
  const skus = new Map<string, { q: number; r: number }>();
  for (const l of o.lines) {
    const s = skus.get(l.sku) ?? { q: 0, r: 0 };
    s.q += l.quantity;
    s.r += l.lineTotal;
    skus.set(l.sku, s);
  }
  for (const [sku, s] of skus) {
    const k = safeKey(sku);
    inc[`sq.${k}`] = s.q;
    inc[`so.${k}`] = 1;
    push(ops, `s:${sku}|${monthOf(o.createdAt)}`, { add: [`${ms}|${o.number}`] });
  }
  push(ops, `r:${day}`, { add: [dayEntry(o)] });
  push(ops, `d:${day}`, { inc });
  push(ops, 'm:span', { min: { first: ms } });
  push(ops, 'o:open', { add: [openEntry(o)] });
  // a customer's bucket holds whole rows: a search by e-mail reads one document
  if (o.customerEmail) push(ops, `c:${o.customerEmail}`, { add: [dayEntry(o)] });
  const nameKey = enc(o.customerName.toLowerCase());
  for (const t of nameTokens(o.customerName)) push(ops, `n:${t}`, { add: [`${ms}|${o.number}|${nameKey}`] });
  return ops;
}

/**
 * A status change: the row moves, the per-status counter of the creation day moves, and the
 * finished step's duration goes into the cycle-time histogram of the day it ended, the SLA
 * breach counter, and the ETA samples.
 */
export function opsForStatusChange(before: IndexedOrder, after: IndexedOrder, now: Date, ops: Ops = new Map()): Ops {
  const day = dayOf(before.createdAt);
  const inc: Record<string, number> = {};
  if (before.status !== after.status) {
    inc[`st.${before.status}`] = -1;
    inc[`st.${after.status}`] = 1;
  }
  if (before.warehouse !== after.warehouse && after.warehouse) inc[`wh.${safeKey(after.warehouse)}`] = 1;
  push(ops, `r:${day}`, { removePrefixes: [entryPrefix(before.createdAt, before.number)], add: [dayEntry(after)] });
  if (Object.keys(inc).length) push(ops, `d:${day}`, { inc });
  push(ops, 'o:open', { removePrefixes: [`${before.number}|`], add: FINAL_STATUSES.includes(after.status) ? [] : [openEntry(after)] });
  if (after.customerEmail) push(ops, `c:${after.customerEmail}`, { removePrefixes: [entryPrefix(before.createdAt, before.number)], add: [dayEntry(after)] });
  // the scheduling board: out of the day it was planned on, into the one it is planned on now
  const planBefore = planBucketOf(before);
  const planAfter = planBucketOf(after);
  if (planBefore) push(ops, planBefore, { removePrefixes: [`${before.number}|`] });
  if (planAfter) push(ops, planAfter, { removePrefixes: [`${after.number}|`], add: [planEntry(after)] });
  if (before.status !== after.status) {
    const took = Math.max(0, now.getTime() - before.statusSince.getTime());
    const endDay = `d:${dayOf(now)}`;
    const stepInc: Record<string, number> = { [`cyc.${before.status}.${durationBucket(took)}`]: 1 };
    const sla = STEP_SLA_MS[before.status];
    if (sla !== undefined && took > sla) {
      stepInc[`sla.${before.status}`] = 1;
      // per warehouse ('_' = not allocated yet when the step ran over)
      stepInc[`slw.${safeKey(before.warehouse ?? '')}.${before.status}`] = 1;
    }
    if (after.status === 'approved' || after.status === 'rejected') stepInc[`rv.${after.status}`] = 1;
    push(ops, endDay, { inc: stepInc });
    push(ops, `t:${before.status}`, { samples: { values: [took], cap: SAMPLE_CAP } });
    if (before.warehouse) push(ops, `t:${before.status}|${before.warehouse}`, { samples: { values: [took], cap: SAMPLE_CAP } });
  }
  return ops;
}

/** Counts an event that is not a status change (a review reopened, a manual review task). */
export function opsForReviewEvent(outcome: 'reopened' | 'manual', at: Date, ops: Ops = new Map()): Ops {
  push(ops, `d:${dayOf(at)}`, { inc: { [`rv.${outcome}`]: 1 } });
  return ops;
}
