/**
 * The producer side of outbound webhooks. Modules that change an order call enqueueEvent in the
 * same update path; the delivery worker does the rest. Without multi-document transactions the
 * guarantee comes from idempotency: give the event a deterministic id (order id + order version +
 * type) and write it before or right after the order change, re-enqueueing on recovery; the same
 * id twice is one event, so a crash between the two writes never loses or doubles an event.
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
