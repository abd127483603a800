/** The scheduling board's plan buckets: kept on every allocation and status write, and rebuilt from the orders alike. */
import { applyOps, type BucketDoc, type BucketOp } from '../orders/bucket-store';
import { opsForStatusChange, parsePlanEntry, planEntry, type IndexedOrder } from '../orders/order-index';
import type { OrderDoc } from '../orders/order.model';
import { bucketOpsForOrder } from '../orders/rebuild-index';

const at = new Date('2026-12-01T08:00:00Z');
const base: IndexedOrder = { number: 'SO-2026-000001', createdAt: at, status: 'approved', statusSince: at, channel: 'api', total: 50, currency: 'EUR', customerName: 'Ann | Co', lines: [{ sku: 'A-1', quantity: 2, lineTotal: 20 }, { sku: 'B-2', quantity: 3, lineTotal: 30 }, { sku: 'A-1', quantity: 1, lineTotal: 0 }], priority: 'high' };

function apply(ops: Map<string, BucketOp[]>, into = new Map<string, BucketDoc>()): Map<string, BucketDoc> {
  for (const [id, list] of ops) into.set(id, applyOps(into.get(id) ?? { _id: id }, list));
  return into;
}
const plan = (buckets: Map<string, BucketDoc>) => Object.fromEntries([...buckets].filter(([id, d]) => id.startsWith('p:') && d.entries?.length).map(([id, d]) => [id, d.entries!.map((e) => parsePlanEntry(e).number)]));

describe('plan buckets', () => {
  it('given an entry with the separator in user text, then it reads back whole, with distinct SKUs and units counted', () => {
    const row = parsePlanEntry(planEntry({ ...base, warehouse: 'WH|1', plannedShipDate: '2026-12-03' }));
    expect(row).toMatchObject({ number: base.number, customerName: 'Ann | Co', warehouse: 'WH|1', plannedShipDate: '2026-12-03', priority: 'high', skus: 2, units: 6, total: 50 });
  });

  it('given allocation, a move and shipping, then the order is in the day it is planned on, and gone once shipped', () => {
    const allocated = { ...base, status: 'allocated' as const, warehouse: 'WH-1', plannedShipDate: '2026-12-03' };
    const buckets = apply(opsForStatusChange(base, allocated, at));
    expect(plan(buckets)).toEqual({ 'p:2026-12-03': [base.number] });
    const moved = { ...allocated, warehouse: 'WH-2', plannedShipDate: '2026-12-05T00:00:00Z' };
    apply(opsForStatusChange(allocated, moved, at), buckets);
    expect(plan(buckets)).toEqual({ 'p:2026-12-05': [base.number] });
    const undated = { ...moved, plannedShipDate: undefined };
    apply(opsForStatusChange(moved, undated, at), buckets);
    expect(plan(buckets)).toEqual({ 'p:unscheduled': [base.number] });
    apply(opsForStatusChange(undated, { ...undated, status: 'shipped' }, at), buckets);
    expect(plan(buckets)).toEqual({});
  });

  it('given stored orders, when the index is rebuilt, then the plan buckets hold what the writes would have put there', () => {
    const doc = (number: string, allocation: OrderDoc['allocation'], statuses: OrderDoc['status'][]): OrderDoc =>
      ({
        _id: number,
        number,
        channel: 'api',
        customer: { name: 'Bo' },
        shippingAddress: { line1: 'x', city: 'y', postcode: '1', country: 'DE' },
        lines: [{ sku: 'A-1', name: 'A', quantity: 4, unitPrice: 1, unit: 'pcs', lineTotal: 4 }],
        currency: 'EUR',
        totals: { subtotal: 4, shipping: 0, tax: 0, total: 4 },
        priority: 'normal',
        type: 'standard',
        attachments: [],
        status: statuses[statuses.length - 1],
        statusSince: at,
        allocation,
        review: { hash: 'h' },
        flow: { status: 'started', attempts: 1 },
        events: statuses.map((status) => ({ at, kind: 'status', status, message: status, public: true })),
        createdBy: { kind: 'user', id: null, label: 't' },
        createdAt: at,
        updatedAt: at,
        version: 1,
      }) as OrderDoc;
    const ops = new Map<string, BucketOp[]>();
    bucketOpsForOrder(doc('SO-2026-000010', { warehouse: 'WH-1', plannedShipDate: '2026-12-04' }, ['in-review', 'approved', 'allocated']), ops);
    bucketOpsForOrder(doc('SO-2026-000011', { productionLine: 'LINE-A', plannedShipDate: '2026-12-04' }, ['in-review', 'approved', 'allocated', 'printed']), ops);
    bucketOpsForOrder(doc('SO-2026-000012', { warehouse: 'WH-1', plannedShipDate: '2026-12-04' }, ['in-review', 'approved', 'allocated', 'printed', 'packed', 'shipped']), ops);
    bucketOpsForOrder(doc('SO-2026-000013', { warehouse: 'WH-2' }, ['in-review', 'approved', 'allocated']), ops);
    expect(plan(apply(ops))).toEqual({ 'p:2026-12-04': ['SO-2026-000010', 'SO-2026-000011'], 'p:unscheduled': ['SO-2026-000013'] });
  });
});
