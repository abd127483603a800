import { z } from 'zod';
import { CHANNELS, ORDER_NUMBER, ORDER_STATUSES, type Channel, type OrderEvent, type OrderView, type OrderEta } from '../../../workflows/model/order';
import { ForbiddenError, ValidationError } from '../../../workflows/model/errors';
import { orderDetailSchema, orderSchema, orderSearchSchema } from '../../http/openapi-schemas';
import { defineRoute, type AnyRoute } from '../../http/route';
import type { OrdersModule } from '../../orders';
import { ORDER_SCHEMA } from '../../orders/order-schema';
import { eventView, orderView } from '../../orders/order-view';
import type { Principal } from '../../auth/principal';
import type { AuditService } from '../../audit/audit.service';
import type { EmailIntake } from '../../intake/email-intake';
import { hasOrders, loadDemoData } from '../../orders/demo-data';
import { assertInScope, orderFacts, scopeOf } from '../../auth/record-scope';

/** Flow history from the workflow runtime, when one is wired (merged into the timeline). */
export interface FlowHistorySource {
  history(order: OrderView): Promise<OrderEvent[]>;
}

export const orderNumberParams = z.object({ number: z.string().regex(ORDER_NUMBER, 'must look like SO-2025-000123') });

const dateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/, 'must be a date (YYYY-MM-DD) or an ISO date-time')
  .transform((s, ctx) => {
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) ctx.addIssue({ code: 'custom', message: 'is not a real date' });
    return d;
  });

export const orderSearchQuery = z.strictObject({
  number: z.string().trim().toUpperCase().max(20).optional(),
  customer: z.string().trim().min(1).max(200).optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
  warehouse: z.string().trim().min(1).max(100).optional(),
  sku: z.string().trim().min(1).max(64).optional(),
  from: dateParam.optional(),
  to: dateParam.optional(),
  sort: z.enum(['newest', 'oldest']).default('newest'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().regex(/^\d{1,15}\|SO-\d{4}-\d{6}$/, 'is not a cursor from a previous page').optional(),
});

const idempotencyKey = z.string().regex(/^[\x21-\x7E]{1,200}$/, 'must be 1–200 printable ASCII characters');

const editBody = z.strictObject({
  version: z.number().int().min(1),
  customer: z.unknown().optional(),
  billingAddress: z.unknown().optional(),
  shippingAddress: z.unknown().optional(),
  lines: z.unknown().optional(),
  notes: z.unknown().optional(),
  requestedDeliveryDate: z.unknown().optional(),
  priority: z.unknown().optional(),
  type: z.unknown().optional(),
  shippingCharge: z.unknown().optional(),
  taxRate: z.unknown().optional(),
});

const actionBody = z.strictObject({ reason: z.string().trim().max(500).optional() });

export interface OrderDetail extends OrderView {
  eta: OrderEta;
  timeline: OrderEvent[];
}

export async function orderDetail(mod: OrdersModule, number: string, history?: FlowHistorySource, principal?: Principal): Promise<OrderDetail> {
  const doc = await mod.orders.getDoc(number);
  assertInScope(scopeOf(principal), orderFacts(doc), `Order ${number}`);
  const view = orderView(doc);
  const flowEvents = history ? await history.history(view).catch(() => []) : [];
  const timeline = [...doc.events.map(eventView), ...flowEvents].sort((a, b) => a.at.localeCompare(b.at));
  return { ...view, eta: await mod.eta.eta(doc), timeline };
}

/** 404 (as for a missing order) when the order is outside the caller's record scope. */
export async function assertOrderVisible(mod: OrdersModule, number: string, principal: Principal): Promise<void> {
  const scope = scopeOf(principal);
  if (scope) assertInScope(scope, orderFacts(await mod.orders.getDoc(number)), `Order ${number}`);
}

/**
 * REST intake: API keys default to channel api, operators (phone entry) to phone. A record scope
 * that names channels leaves only those (none left: 403, the caller could not see the order).
 */
export function restChannels(principal: Principal): readonly Channel[] {
  const channels: readonly Channel[] = principal.kind === 'user' ? ['phone', 'api'] : ['api', 'phone'];
  const scope = scopeOf(principal);
  if (!scope?.channels.length) return channels;
  const allowed = channels.filter((c) => scope.channels.includes(c));
  if (!allowed.length) throw new ForbiddenError(`Your record scope allows no channel this endpoint takes (${channels.join(', ')})`);
  return allowed;
}

export function orderRoutes(deps: { orders: OrdersModule; history?: () => FlowHistorySource | undefined; email?: EmailIntake; audit?: AuditService }): AnyRoute[] {
  const mod = deps.orders;
  return [
    defineRoute({
      method: 'get',
      path: '/api/orders/demo-data',
      tag: 'orders',
      summary: 'Whether sample orders can be loaded (only into a database without orders)',
      access: { permission: 'orders.read' },
      handler: async () => ({ canLoad: !(await hasOrders(mod)) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/orders/demo-data',
      tag: 'orders',
      summary: 'Load sample orders (a month of history plus live orders through the real intake and flows); refused when orders exist',
      access: { permission: 'settings.manage' },
      body: z.strictObject({}),
      status: 201,
      async handler({ principal }) {
        const result = await loadDemoData(mod, { email: deps.email });
        await deps.audit?.record({ principal, action: 'orders.demo-data', target: { type: 'orders', id: 'demo' }, after: { historical: result.historical, live: result.live } });
        return { historical: result.historical, live: result.live };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/orders/schema',
      tag: 'orders',
      summary: 'The canonical order intake schema (JSON Schema 2020-12), for forms and integrators',
      access: 'public',
      handler: () => ORDER_SCHEMA,
    }),
    defineRoute({
      method: 'post',
      path: '/api/orders',
      tag: 'orders',
      summary: 'Accept an order (Idempotency-Key header; the same key or channel + externalId again answers 200 with the same body)',
      access: { permission: 'orders.write' },
      body: z.unknown(),
      bodyJsonSchema: ORDER_SCHEMA,
      raw: true,
      status: 201,
      produces: 'application/json',
      response: orderSchema,
      async handler({ body, principal, req, res }) {
        const header = req.get('idempotency-key');
        let key: string | undefined;
        if (header !== undefined) {
          const r = idempotencyKey.safeParse(header);
          if (!r.success) throw new ValidationError('Invalid Idempotency-Key header', [{ path: '(header) Idempotency-Key', message: r.error.issues[0].message }]);
          key = r.data;
        }
        const result = await mod.orders.intake(body, { principal, allowedChannels: restChannels(principal), idempotencyKey: key });
        res.status(result.status).setHeader('Location', `/api/orders/${result.order.number}`);
        if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
        res.json(result.order);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/orders',
      tag: 'orders',
      summary: 'Search orders by number, customer, status, channel, warehouse, SKU and date range (cursor-paged)',
      access: { permission: 'orders.read' },
      query: orderSearchQuery,
      response: orderSearchSchema,
      handler: ({ query, principal }) => mod.search.search(query, scopeOf(principal)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/orders/:number',
      tag: 'orders',
      summary: 'One order with its lines, status, current step, timeline and ETA',
      access: { permission: 'orders.read' },
      params: orderNumberParams,
      response: orderDetailSchema,
      handler: ({ params, principal }) => orderDetail(mod, params.number, deps.history?.(), principal),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/orders/:number',
      tag: 'orders',
      summary: 'Edit an order (send its version); changing reviewed fields of an approved order reopens review',
      access: { permission: 'orders.write' },
      params: orderNumberParams,
      body: editBody,
      response: orderSchema,
      handler: async ({ params, body, principal }) => {
        await assertOrderVisible(mod, params.number, principal);
        const { version, ...patch } = body;
        for (const k of Object.keys(patch)) if ((patch as Record<string, unknown>)[k] === undefined) delete (patch as Record<string, unknown>)[k];
        return mod.orders.edit(params.number, patch, version, principal);
      },
    }),
    ...(['cancel', 'hold', 'release'] as const).map((action) =>
      defineRoute({
        method: 'post',
        path: `/api/orders/:number/${action}`,
        tag: 'orders',
        summary: action === 'cancel' ? 'Cancel an order (through its flow when the flow handles it)' : action === 'hold' ? 'Put an order on hold' : 'Release an order from hold',
        access: { permission: 'orders.cancel' },
        params: orderNumberParams,
        body: actionBody,
        response: orderSchema,
        handler: async ({ params, body, principal }) => {
          await assertOrderVisible(mod, params.number, principal);
          return mod.orders.act(params.number, action, principal, body.reason);
        },
      }),
    ),
  ];
}
