/**
 * The orders report for a caller with a record scope. The rollup buckets count every order, so a
 * scoped report replays the scoped orders themselves (the same ops rebuild-index.ts uses) into
 * buckets held in memory and runs the one report code (ReportsService) over them: same figures,
 * same CSV, only the orders inside the scope (server/auth/record-scope.ts).
 *
 * It reads the orders collection with the scope filter (FerretDB scans it: fine for a report), from
 * 31 days before the range on, so steps of orders created a little earlier still count. Open SLA
 * breaches count the open orders of that window.
 */
import type { Collection } from 'mongodb';
import { scopeFilter, type RecordScope } from '../auth/record-scope';
import { applyOps, type BucketDoc, type BucketOp, type BucketStore } from './bucket-store';
import type { OrderDoc } from './order.model';
import { bucketOpsForOrder } from './rebuild-index';
import { ReportsService, type OrdersReport } from './reports.service';

const LOOKBACK_MS = 31 * 86_400_000;

export async function scopedOrdersReport(orders: Collection<OrderDoc>, scope: RecordScope, fromDay: string, toDay: string, now = new Date()): Promise<OrdersReport> {
  const docs = new Map<string, BucketDoc>();
  let ops = new Map<string, BucketOp[]>();
  const flush = () => {
    for (const [id, list] of ops) docs.set(id, applyOps(docs.get(id) ?? { _id: id }, list));
    ops = new Map();
  };
  const window = { createdAt: { $gte: new Date(Date.parse(fromDay) - LOOKBACK_MS), $lt: new Date(Date.parse(toDay) + 86_400_000) } };
  let count = 0;
  for await (const doc of orders.find({ $and: [window, scopeFilter(scope)] })) {
    bucketOpsForOrder(doc, ops);
    if (++count % 2000 === 0) flush();
  }
  flush();
  const get = async (id: string) => docs.get(id) ?? null;
  const memory = {
    get,
    getMany: async (ids: string[]) => new Map(ids.flatMap((id) => (docs.has(id) ? [[id, docs.get(id)!] as const] : []))),
    range: async (from: string, to: string) => new Map([...docs].filter(([id]) => id >= from && id <= to)),
  };
  return new ReportsService(memory as unknown as BucketStore).orders(fromDay, toDay, now);
}
