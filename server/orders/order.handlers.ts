/**
 * Built-in service handlers the order flow calls (camunda:connector connectorId = handler id).
 * They are the only writers of an order's status, allocation and shipment. The order is found by
 * the instance's business key (the order number) or an explicit `orderId` input.
 */
import { z } from 'zod';
import { ValidationError } from '../../workflows/model/errors';
import { toFieldIssues } from '../../workflows/model/zod-issues';
import { ORDER_STATUSES } from '../../workflows/model/order';
import type { OrdersService } from './orders.service';

export interface HandlerContext {
  businessKey?: string;
  activityId?: string;
  instanceId?: string;
}

export type OrderHandler = (input: Record<string, unknown>, ctx: HandlerContext) => Promise<unknown>;

const base = { orderId: z.string().optional(), actor: z.string().max(200).optional() };
const setStatus = z.object({ ...base, status: z.enum(ORDER_STATUSES), step: z.string().max(100).optional(), message: z.string().max(500).optional(), detail: z.unknown().optional() });
const recordEvent = z.object({ ...base, message: z.string().min(1).max(500), step: z.string().max(100).optional(), detail: z.unknown().optional(), public: z.boolean().optional() });
const setAllocation = z.object({
  ...base,
  warehouse: z.string().max(100).optional(),
  productionLine: z.string().max(100).optional(),
  plannedShipDate: z.string().max(40).optional(),
  strategy: z.string().max(100).optional(),
  lines: z
    .array(z.object({ sku: z.string().min(1).max(100), quantity: z.number().positive(), warehouse: z.string().min(1).max(100) }))
    .max(1000)
    .optional(),
});
const setShipment = z.object({ ...base, carrier: z.string().max(100).optional(), trackingNumber: z.string().max(100).optional(), trackingUrl: z.string().max(500).optional(), shippedAt: z.string().max(40).optional() });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new ValidationError('Invalid handler input', toFieldIssues(r.error.issues));
  return r.data;
}

function orderIdOf(input: { orderId?: string }, ctx: HandlerContext): string {
  const id = input.orderId ?? ctx.businessKey;
  if (!id) throw new ValidationError('No order: the instance has no business key and no orderId input', [{ path: 'orderId', message: 'is required' }]);
  return id;
}

export function orderHandlers(orders: OrdersService): Record<string, OrderHandler> {
  return {
    'order.setStatus': async (input, ctx) => {
      const i = parse(setStatus, input);
      const o = await orders.applyStatus(orderIdOf(i, ctx), i.status, { actor: i.actor ?? 'flow', step: i.step ?? ctx.activityId, message: i.message, detail: i.detail });
      return { status: o.status };
    },
    'order.recordEvent': async (input, ctx) => {
      const i = parse(recordEvent, input);
      await orders.recordEvent(orderIdOf(i, ctx), { kind: 'flow', message: i.message, step: i.step ?? ctx.activityId, actor: i.actor ?? 'flow', detail: i.detail, public: i.public });
      return {};
    },
    'order.setAllocation': async (input, ctx) => {
      const { orderId: _o, actor, ...allocation } = parse(setAllocation, input);
      const o = await orders.setAllocation(orderIdOf(input as { orderId?: string }, ctx), allocation, actor ?? 'flow');
      return { allocation: o.allocation };
    },
    'order.setShipment': async (input, ctx) => {
      const { orderId: _o, actor, ...shipment } = parse(setShipment, input);
      await orders.setShipment(orderIdOf(input as { orderId?: string }, ctx), shipment, actor ?? 'flow');
      return {};
    },
    'order.get': async (input, ctx) => {
      const o = await orders.get(orderIdOf(parse(z.object(base), input), ctx));
      return { order: o };
    },
  };
}
