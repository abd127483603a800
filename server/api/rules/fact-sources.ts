/**
 * Where the dynamic facts of rules come from on this server: connector operations (when a
 * connector offers them) and the stored orders (customer history, backtests).
 */
import crypto from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Customer } from '../../../workflows/model/order';
import type { CallContext, ConnectorInvoker } from '../../../engine/ports';
import type { CapacitySlot, CustomerCredit, FactSources, WarehouseStock } from '../../../engine/rules';
import type { RecentOrders } from './rules.service';

/** Connector operations the dynamic facts call, by convention. */
export const FACT_CONNECTOR_OPERATIONS = {
  stockLevels: 'inventory.stockLevels',
  customerCredit: 'finance.customerCredit',
  listPrices: 'catalog.listPrices',
  productionCapacity: 'production.capacity',
} as const;

const ORDERS = 'orders';
/** stored-only parts of an order document that rules never see */
const INTERNAL = { events: 0, receipt: 0, __v: 0 } as const;

/** Stored order → the canonical shape rules see (the id is the stored _id, dates as ISO text). */
function asOrder(doc: Record<string, unknown>): Record<string, unknown> {
  const { _id, ...rest } = doc;
  const out: Record<string, unknown> = { ...rest, id: String(_id) };
  for (const [k, v] of Object.entries(out)) if (v instanceof Date) out[k] = v.toISOString();
  return out;
}

/**
 * The last N stored orders, newest first, read from the `orders` collection through the mongoose
 * connection (the orders module was not committed when this was wired; its documents keep the
 * canonical fields at the top level with the order number as _id).
 */
export function storedOrdersReader(connection: Connection): RecentOrders {
  return {
    async recentOrders(limit) {
      const rows = await connection.collection(ORDERS).find({}, { projection: INTERNAL }).sort({ createdAt: -1 }).limit(limit).toArray();
      return rows.map((r) => asOrder(r as Record<string, unknown>));
    },
  };
}

export function createFactSources(deps: { connection: Connection; connectors?: ConnectorInvoker }): FactSources {
  const { connection, connectors } = deps;
  const context = (ctx: CallContext | undefined, op: string): CallContext =>
    ctx ?? { instanceId: 'rules', activityId: op, idempotencyKey: crypto.randomUUID(), attempt: 1 };
  const via = <T>(op: string, input: (arg: any) => Record<string, unknown>) =>
    connectors?.has(op) ? (arg: unknown, ctx?: CallContext) => connectors.invoke(op, input(arg), context(ctx, op)) as Promise<T> : undefined;

  return {
    stockLevels: via<WarehouseStock[]>(FACT_CONNECTOR_OPERATIONS.stockLevels, (skus: string[]) => ({ skus })),
    customerCredit: via<CustomerCredit | undefined>(FACT_CONNECTOR_OPERATIONS.customerCredit, (customer: Customer) => ({ customerId: customer.id, email: customer.email, name: customer.name })),
    listPrices: via<Record<string, number>>(FACT_CONNECTOR_OPERATIONS.listPrices, (skus: string[]) => ({ skus })),
    productionCapacity: via<CapacitySlot[]>(FACT_CONNECTOR_OPERATIONS.productionCapacity, (input: { from: string; days: number }) => input),
    async customerHistory(customer) {
      const filter = customer.id ? { 'customer.id': customer.id } : customer.email ? { 'customer.email': customer.email } : undefined;
      if (!filter) return { orderCount: 0, totalSpent: 0 };
      const rows = await connection.collection(ORDERS).find(filter, { projection: { totals: 1, createdAt: 1 } }).sort({ createdAt: 1 }).limit(5000).toArray();
      const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : undefined);
      return {
        orderCount: rows.length,
        totalSpent: rows.reduce((sum, r) => sum + (typeof r.totals?.total === 'number' ? r.totals.total : 0), 0),
        firstOrderAt: iso(rows[0]?.createdAt),
        lastOrderAt: iso(rows[rows.length - 1]?.createdAt),
      };
    },
  };
}
