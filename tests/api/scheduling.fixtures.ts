/**
 * Shared by the scheduling board's API and e2e tests: orders placed through the real intake and
 * then allocated through the order flow's own handlers (order.setStatus / order.setAllocation), the
 * way the shipped flow allocates them, on days relative to today.
 */
import type { RunningOrdo } from '../../server/main';
import { RecordingFlowStarter } from '../../server/orders/flow-starter';
import type { ApiClient } from '../helpers/server';
import { eventually } from './tasks-live.fixtures';

export const dayFromToday = (n: number): string => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** Flows are only recorded: the tests play the flow's part through its handlers. */
export function recordFlowsOnly(ordo: RunningOrdo): void {
  ordo.orders.setFlowPort(new RecordingFlowStarter(ordo.connection.collection('flowStarts') as never));
}

export interface Planned {
  customer: string;
  lines: Array<{ sku: string; quantity: number; unitPrice?: number }>;
  warehouse?: string;
  productionLine?: string;
  /** days from today; absent: allocated without a date */
  day?: number;
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  channel?: 'api' | 'phone' | 'web';
  /** statuses walked after allocated (printed, packed, shipped) */
  then?: Array<'printed' | 'packed' | 'shipped'>;
}

/** Places an order and allocates it as the flow would; returns its number. */
export async function plannedOrder(ordo: RunningOrdo, admin: ApiClient, p: Planned): Promise<string> {
  const created = await admin.post('/api/orders', {
    channel: p.channel ?? 'api',
    customer: { name: p.customer, email: `${p.customer.toLowerCase().replace(/\W+/g, '.')}@example.com` },
    shippingAddress: { name: p.customer, line1: '1 Main St', city: 'Berlin', postcode: '10115', country: 'DE' },
    lines: p.lines.map((l) => ({ sku: l.sku, name: l.sku, quantity: l.quantity, unitPrice: l.unitPrice ?? 10 })),
    currency: 'EUR',
    priority: p.priority ?? 'normal',
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const number = created.body.number as string;
  // the (recorded) flow start bumps the order once; let it land before playing the flow
  await eventually(async () => ((await admin.get(`/api/orders/${number}`)).body.flow.status === 'started' ? true : undefined), `flow start of ${number}`);
  const h = ordo.orders.handlers;
  const key = { businessKey: number };
  await h['order.setStatus']({ status: 'in-review', step: 'review' }, key);
  await h['order.setStatus']({ status: 'approved', actor: 'rules' }, key);
  await h['order.setAllocation']({ warehouse: p.warehouse, productionLine: p.productionLine, plannedShipDate: p.day === undefined ? undefined : dayFromToday(p.day), strategy: 'TEST' }, key);
  await h['order.setStatus']({ status: 'allocated' }, key);
  for (const status of p.then ?? []) await h['order.setStatus']({ status }, key);
  return number;
}
