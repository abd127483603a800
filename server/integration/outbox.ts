/**
 * The webhook outbox: one entry per event, unique by its id, fanned out to deliveries by the
 * delivery worker. Order events reach it from the order documents themselves (the order update
 * embeds them, see server/orders/orders.service.ts and order-events.ts); their ids are
 * deterministic (order number + order version + type), so handing one over twice is one event.
 */
import crypto from 'node:crypto';
import type { Connection } from 'mongoose';
import { ValidationError } from '../../workflows/model/errors';
import { ORDER_EVENT_TYPES, webhookModels, type OrderEventType } from './webhooks.models';

export interface OrderEvent {
  type: OrderEventType;
  /** deterministic id, e.g. `${orderId}:${orderVersion}:${type}`; random when omitted */
  id?: string;
  occurredAt?: Date;
  /** the order (or its summary) as sent to subscribers */
  data: Record<string, unknown>;
}

export async function enqueueEvent(connection: Connection, event: OrderEvent): Promise<{ eventId: string; duplicate: boolean }> {
  if (!ORDER_EVENT_TYPES.includes(event.type)) throw new ValidationError('Unknown event type', [{ path: 'type', message: `must be one of ${ORDER_EVENT_TYPES.join(', ')}` }]);
  const eventId = event.id ?? crypto.randomUUID();
  const { Outbox } = webhookModels(connection);
  try {
    await Outbox.create({ eventId, type: event.type, occurredAt: event.occurredAt ?? new Date(), payload: JSON.stringify(event.data), fannedOut: false });
    return { eventId, duplicate: false };
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return { eventId, duplicate: true };
    throw err;
  }
}
