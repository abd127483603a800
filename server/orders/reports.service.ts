/**
 * Reports from the per-day rollup buckets (d:<day>), updated on every write: a 90-day report reads
 * 90 small documents whatever the number of orders. Cycle-time percentiles come from log-scale
 * histograms; open SLA breaches (orders over their step's target now) from the open-orders bucket.
 */
import { CHANNELS, ORDER_STATUS_PATH, ORDER_STATUSES, type OrderStatus } from '../../workflows/model/order';
import type { BucketDoc, BucketStore } from './bucket-store';
import { fromSafeKey, parseOpenEntry, safeKey } from './order-index';
import { daysBetween } from './order-search';
import { histogramPercentile, STEP_SLA_MS } from './sla';

export interface OrdersReport {
  from: string;
  to: string;
  totals: { orders: number };
  perDay: Array<{ day: string; total: number; channel: Record<string, number>; status: Record<string, number> }>;
  reviewOutcomes: { approved: number; rejected: number; manual: number; reopened: number };
  allocationByWarehouse: Array<{ warehouse: string; orders: number }>;
  cycleTimes: Array<{ step: OrderStatus; count: number; medianMs: number | null; p90Ms: number | null; slaMs: number | null; breaches: number }>;
  slaBreaches: { total: number; open: number; openByStep: Record<string, number> };
  /** breaches per warehouse (null: the step ran over before the order was allocated), per step */
  slaBreachesByWarehouse: Array<{ warehouse: string | null; breaches: number; open: number; byStep: Record<string, number>; openByStep: Record<string, number> }>;
  topSkus: Array<{ sku: string; quantity: number; orders: number }>;
  revenue: Record<string, number>;
  generatedInMs: number;
}

export const REPORT_CSV_KINDS = ['per-day', 'cycle-times', 'top-skus', 'warehouses', 'sla-warehouses', 'review'] as const;
export type ReportCsvKind = (typeof REPORT_CSV_KINDS)[number];

type Counters = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const map = (c: Counters | undefined, key: string) => ((c?.[key] ?? {}) as Record<string, unknown>);

function addInto(target: Record<string, number>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) if (typeof v === 'number') target[k] = (target[k] ?? 0) + v;
}

export class ReportsService {
  constructor(private readonly buckets: BucketStore) {}

  async orders(fromDay: string, toDay: string, now = new Date()): Promise<OrdersReport> {
    const t0 = performance.now();
    const days = daysBetween(Date.parse(fromDay), Date.parse(toDay));
    // by id up to two months (FerretDB answers those inside SQLite), else one range query (it
    // decodes every day document, ≈ the same cost as 60 lookups)
    const docs = days.length <= 60 ? await this.buckets.getMany(days.map((d) => `d:${d}`)) : await this.buckets.range(`d:${days[0]}`, `d:${days[days.length - 1]}`);
    const open = (await this.buckets.get('o:open'))?.entries ?? [];
    const perDay: OrdersReport['perDay'] = [];
    const review = { approved: 0, rejected: 0, manual: 0, reopened: 0 };
    const warehouses: Record<string, number> = {};
    const skuQty: Record<string, number> = {};
    const skuOrders: Record<string, number> = {};
    const cycles: Record<string, Record<string, number>> = {};
    const breaches: Record<string, number> = {};
    const revenue: Record<string, number> = {};
    const openByStep: Record<string, number> = {};
    const byWarehouse: Record<string, { byStep: Record<string, number>; openByStep: Record<string, number> }> = {};
    const warehouseRow = (key: string) => (byWarehouse[key] ??= { byStep: {}, openByStep: {} });
    let total = 0;
    for (const day of days) {
      const doc: BucketDoc | undefined = docs.get(`d:${day}`);
      const c = doc?.c;
      const channel = Object.fromEntries(CHANNELS.map((ch) => [ch, num(map(c, 'ch')[ch])]));
      const status = Object.fromEntries(ORDER_STATUSES.map((s) => [s, num(map(c, 'st')[s])]));
      perDay.push({ day, total: num(c?.n), channel, status });
      total += num(c?.n);
      const rv = map(c, 'rv');
      for (const k of Object.keys(review) as Array<keyof typeof review>) review[k] += num(rv[k]);
      addInto(warehouses, map(c, 'wh'));
      addInto(skuQty, map(c, 'sq'));
      addInto(skuOrders, map(c, 'so'));
      addInto(breaches, map(c, 'sla'));
      for (const [wh, steps] of Object.entries(map(c, 'slw'))) addInto(warehouseRow(wh).byStep, steps as Record<string, unknown>);
      addInto(revenue, map(c, 'rev'));
      for (const [step, hist] of Object.entries(map(c, 'cyc'))) addInto((cycles[step] ??= {}), hist as Record<string, unknown>);
    }
    for (const e of open) {
      const { status, since, warehouse } = parseOpenEntry(e);
      const sla = STEP_SLA_MS[status];
      if (sla === undefined || now.getTime() - since <= sla) continue;
      openByStep[status] = (openByStep[status] ?? 0) + 1;
      const row = warehouseRow(safeKey(warehouse ?? '')).openByStep;
      row[status] = (row[status] ?? 0) + 1;
    }
    const sum = (r: Record<string, number>) => Object.values(r).reduce((s, n) => s + n, 0);
    const steps = ORDER_STATUS_PATH.filter((s) => s !== 'delivered');
    const cycleTimes = [...steps, 'on-hold' as const].map((step) => {
      const hist = cycles[step] ?? {};
      return {
        step,
        count: Object.values(hist).reduce((s, n) => s + n, 0),
        medianMs: histogramPercentile(hist, 0.5),
        p90Ms: histogramPercentile(hist, 0.9),
        slaMs: STEP_SLA_MS[step] ?? null,
        breaches: breaches[step] ?? 0,
      };
    });
    const topSkus = Object.entries(skuQty)
      .map(([k, quantity]) => ({ sku: fromSafeKey(k), quantity: round(quantity), orders: skuOrders[k] ?? 0 }))
      .sort((a, b) => b.quantity - a.quantity || a.sku.localeCompare(b.sku))
      .slice(0, 20);
    return {
      from: days[0] ?? fromDay,
      to: days[days.length - 1] ?? toDay,
      totals: { orders: total },
      perDay,
      reviewOutcomes: review,
      allocationByWarehouse: Object.entries(warehouses)
        .map(([k, orders]) => ({ warehouse: fromSafeKey(k), orders }))
        .sort((a, b) => b.orders - a.orders),
      cycleTimes,
      slaBreaches: { total: sum(breaches), open: sum(openByStep), openByStep },
      slaBreachesByWarehouse: Object.entries(byWarehouse)
        .map(([k, r]) => ({ warehouse: k === '_' ? null : fromSafeKey(k), breaches: sum(r.byStep), open: sum(r.openByStep), byStep: r.byStep, openByStep: r.openByStep }))
        .filter((r) => r.breaches + r.open > 0)
        .sort((a, b) => (a.warehouse === null ? 1 : 0) - (b.warehouse === null ? 1 : 0) || b.breaches + b.open - (a.breaches + a.open) || (a.warehouse ?? '').localeCompare(b.warehouse ?? '')),
      topSkus,
      revenue: Object.fromEntries(Object.entries(revenue).map(([k, v]) => [k, round(v)])),
      generatedInMs: Math.round(performance.now() - t0),
    };
  }

  csv(report: OrdersReport, kind: ReportCsvKind): string {
    const rows: unknown[][] = [];
    switch (kind) {
      case 'per-day':
        rows.push(['day', 'total', ...CHANNELS.map((c) => `channel:${c}`), ...ORDER_STATUSES.map((s) => `status:${s}`)]);
        for (const d of report.perDay) rows.push([d.day, d.total, ...CHANNELS.map((c) => d.channel[c]), ...ORDER_STATUSES.map((s) => d.status[s])]);
        break;
      case 'cycle-times':
        rows.push(['step', 'count', 'median_ms', 'p90_ms', 'sla_ms', 'sla_breaches', 'open_breaches']);
        for (const c of report.cycleTimes) rows.push([c.step, c.count, c.medianMs ?? '', c.p90Ms ?? '', c.slaMs ?? '', c.breaches, report.slaBreaches.openByStep[c.step] ?? 0]);
        break;
      case 'top-skus':
        rows.push(['sku', 'quantity', 'orders']);
        for (const s of report.topSkus) rows.push([s.sku, s.quantity, s.orders]);
        break;
      case 'warehouses':
        rows.push(['warehouse', 'orders']);
        for (const w of report.allocationByWarehouse) rows.push([w.warehouse, w.orders]);
        break;
      case 'sla-warehouses':
        rows.push(['warehouse', 'step', 'sla_breaches', 'open_breaches']);
        for (const w of report.slaBreachesByWarehouse) {
          for (const step of new Set([...Object.keys(w.byStep), ...Object.keys(w.openByStep)])) rows.push([w.warehouse ?? '', step, w.byStep[step] ?? 0, w.openByStep[step] ?? 0]);
        }
        break;
      case 'review':
        rows.push(['outcome', 'orders']);
        for (const [k, v] of Object.entries(report.reviewOutcomes)) rows.push([k, v]);
        break;
    }
    return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  }
}

const round = (v: number) => Math.round(v * 100) / 100;

/** Quotes a CSV cell and defuses spreadsheet formulas (=, +, -, @ at the start of text). */
export function csvCell(v: unknown): string {
  let s = v === undefined || v === null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
