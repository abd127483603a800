/**
 * Recomputes every index bucket and rollup from the orders themselves (their status events carry
 * the step durations). Used after a bulk load and to repair buckets after a crash between an order
 * write and its index write.
 */
import type { Collection } from 'mongodb';
import { ORDER_STATUS_PATH, type OrderStatus } from '../../workflows/model/order';
import { applyOps, type BucketDoc, type BucketOp, type BucketStore } from './bucket-store';
import { opsForNewOrder, opsForStatusChange, type IndexedOrder } from './order-index';
import type { OrderDoc } from './order.model';
import { indexedOrder } from './order-view';

export function bucketOpsForOrder(doc: OrderDoc, ops: Map<string, BucketOp[]>): void {
  const final = indexedOrder(doc);
  let state: IndexedOrder = { ...final, status: 'received', statusSince: new Date(doc.createdAt), warehouse: undefined, productionLine: undefined, plannedShipDate: undefined };
  opsForNewOrder(state, ops);
  for (const e of doc.events) {
    if (e.kind !== 'status' || !e.status || e.status === state.status) continue;
    // the warehouse is known from allocation on (steps that ran over after it count against it)
    const allocated = ORDER_STATUS_PATH.indexOf(e.status as OrderStatus) >= ORDER_STATUS_PATH.indexOf('allocated');
    const next: IndexedOrder = { ...state, status: e.status as OrderStatus, statusSince: new Date(e.at), warehouse: allocated ? (state.warehouse ?? final.warehouse) : state.warehouse };
    opsForStatusChange(state, next, new Date(e.at), ops);
    state = next;
  }
  // the allocation as it is now (the events do not say when the line or the date changed): the scheduling board's plan buckets
  const planned = { warehouse: final.warehouse, productionLine: final.productionLine, plannedShipDate: final.plannedShipDate };
  if (final.warehouse || final.productionLine || state.status !== final.status) opsForStatusChange(state, { ...state, status: final.status, ...planned }, new Date(final.statusSince), ops);
}

export async function rebuildIndex(orders: Collection<OrderDoc>, buckets: BucketStore): Promise<{ orders: number; buckets: number }> {
  const docs = new Map<string, BucketDoc>();
  let count = 0;
  let ops = new Map<string, BucketOp[]>();
  const flush = () => {
    for (const [id, list] of ops) docs.set(id, applyOps(docs.get(id) ?? { _id: id }, list));
    ops = new Map();
  };
  for await (const doc of orders.find({})) {
    bucketOpsForOrder(doc, ops);
    if (++count % 2000 === 0) flush();
  }
  flush();
  await buckets.replaceAll([...docs.values()]);
  return { orders: count, buckets: docs.size };
}
