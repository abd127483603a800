/**
 * How printing reads orders: a port, so the orders module can be wired in by the composition root.
 * The default reads the `orders` collection directly (documents shaped like workflows/model/order.ts).
 */
import { Types, type Connection } from 'mongoose';
import { z } from 'zod';
import { ORDER_PRIORITIES, ORDER_STATUSES, ORDER_TYPES, CHANNELS, type Order } from '../../workflows/model/order';
import { scopeFilter, type RecordScope } from '../auth/record-scope';
import type { GroupBy } from '../contracts/print';

/** A search that selects the orders of a batch, e.g. all allocated orders of warehouse A by carrier. */
export const orderFilterSchema = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  warehouse: z.string().trim().min(1).max(100).optional(),
  carrier: z.string().trim().min(1).max(100).optional(),
  channel: z.enum(CHANNELS).optional(),
  priority: z.enum(ORDER_PRIORITIES).optional(),
  type: z.enum(ORDER_TYPES).optional(),
  /** order numbers, e.g. from a pasted list */
  numbers: z.array(z.string().trim().min(1).max(64)).max(10_000).optional(),
});
export type OrderFilter = z.infer<typeof orderFilterSchema>;
export { GROUP_BY, type GroupBy } from '../contracts/print';

export interface OrderSource {
  /** Orders by id (or by order number); unknown ids are simply absent from the result. */
  loadOrders(ids: readonly string[]): Promise<Order[]>;
  /** Ids of the orders a search selects, in print order; at most `limit`; only inside `scope` when given. */
  findOrderIds(filter: OrderFilter, options: { groupBy: GroupBy; limit: number; scope?: RecordScope | null }): Promise<string[]>;
}

type StoredOrder = Omit<Order, 'id'> & { _id: unknown; id?: string };

const idOf = (doc: StoredOrder) => doc.id ?? String(doc._id);

function toOrder(doc: StoredOrder): Order {
  const { _id, ...rest } = doc as StoredOrder & Record<string, unknown>;
  const order = { ...rest, id: idOf(doc) } as Order & Record<string, unknown>;
  for (const k of ['createdAt', 'updatedAt'] as const) if ((order[k] as unknown) instanceof Date) order[k] = (order[k] as unknown as Date).toISOString();
  return order;
}

export function mongoOrderSource(connection: Connection): OrderSource {
  const orders = () => connection.collection<StoredOrder>('orders');
  return {
    async loadOrders(ids) {
      if (ids.length === 0) return [];
      const projection = { events: 0, receipt: 0 };
      // point reads by _id first (the only lookup FerretDB 1.24 pushes down; the orders module keys orders by number)
      const direct = await Promise.all(ids.map((id) => orders().findOne({ _id: id } as never, { projection })));
      const docs = direct.filter((d): d is NonNullable<typeof d> => d !== null);
      const missing = ids.filter((_, i) => direct[i] === null);
      if (missing.length) {
        const objectIds = missing.filter((id) => /^[a-f0-9]{24}$/i.test(id)).map((id) => new Types.ObjectId(id));
        const or: Record<string, unknown>[] = [{ id: { $in: missing } }, { number: { $in: missing } }];
        if (objectIds.length) or.push({ _id: { $in: objectIds } });
        docs.push(...(await orders().find({ $or: or } as never, { projection }).toArray()));
      }
      const byKey = new Map<string, Order>();
      for (const d of docs) {
        const o = toOrder(d as StoredOrder);
        byKey.set(o.id, o);
        byKey.set(o.number, o);
        byKey.set(String((d as StoredOrder)._id), o);
      }
      const seen = new Set<string>();
      const out: Order[] = [];
      for (const id of ids) {
        const o = byKey.get(id);
        if (o && !seen.has(o.id)) {
          seen.add(o.id);
          out.push(o);
        }
      }
      return out;
    },
    async findOrderIds(filter, { groupBy, limit, scope }) {
      const q: Record<string, unknown> = {};
      if (filter.status) q.status = filter.status;
      if (filter.warehouse) q['allocation.warehouse'] = filter.warehouse;
      if (filter.carrier) q['shipment.carrier'] = filter.carrier;
      if (filter.channel) q.channel = filter.channel;
      if (filter.priority) q.priority = filter.priority;
      if (filter.type) q.type = filter.type;
      if (filter.numbers) q.number = { $in: filter.numbers };
      const sort: Record<string, 1> = groupBy === 'carrier' ? { 'shipment.carrier': 1, number: 1 } : groupBy === 'warehouse' ? { 'allocation.warehouse': 1, number: 1 } : { number: 1 };
      // the scope is its own clause: a filter on channel or warehouse must not replace it
      const docs = await orders()
        .find((scope ? { $and: [q, scopeFilter(scope)] } : q) as never, { projection: { _id: 1, id: 1 } })
        .sort(sort)
        .limit(limit)
        .toArray();
      return docs.map((d) => idOf(d as StoredOrder));
    },
  };
}
