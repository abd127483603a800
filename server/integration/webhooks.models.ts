/** Collections of the webhook machinery: subscriptions, the outbox, deliveries, inbound hooks and receipts. */
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { sealedSchemaDefinition, type Sealed } from './secret-box';

export const ORDER_EVENT_TYPES = ['order.created', 'order.approved', 'order.allocated', 'order.printed', 'order.shipped', 'order.cancelled'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export interface SubscriptionDoc {
  _id: Types.ObjectId;
  name: string;
  url: string;
  events: string[];
  secret: Sealed;
  allowNetworks: string[];
  active: boolean;
  createdBy?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface OutboxDoc {
  _id: Types.ObjectId;
  eventId: string;
  type: string;
  occurredAt: Date;
  /** the event data as JSON (user data may hold keys FerretDB cannot store) */
  payload: string;
  fannedOut: boolean;
}

export interface DeliveryAttempt {
  at: Date;
  attempt: number;
  status?: number;
  responseBody?: string;
  error?: string;
  durationMs: number;
}

export interface DeliveryDoc {
  _id: Types.ObjectId;
  eventId: string;
  eventType: string;
  subscriptionId: Types.ObjectId;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  /** number of claims so far: claim n is won by inserting the unique webhookClaims id `<delivery>:<n>` */
  claimSeq: number;
  deliveredAt?: Date;
  lastStatus?: number;
  log: DeliveryAttempt[];
  createdAt: Date;
  updatedAt: Date;
}

export interface InboundHookDoc {
  _id: Types.ObjectId;
  connectorId: string;
  key: string;
  name: string;
  messageName: string;
  /** JSONata over {body, headers} → the business key to correlate on */
  businessKey: string;
  /** JSONata over {body, headers} → variables handed to the instance (default: the body) */
  variables?: string;
  secret: Sealed;
  toleranceSec: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const subscriptionSchema = new Schema<SubscriptionDoc>(
  {
    name: { type: String, required: true },
    url: { type: String, required: true },
    events: { type: [String], required: true },
    secret: sealedSchemaDefinition,
    allowNetworks: { type: [String], default: [] },
    active: { type: Boolean, default: true },
    createdBy: String,
  },
  { collection: 'webhooks', timestamps: true, versionKey: false },
);

const outboxSchema = new Schema<OutboxDoc>(
  {
    eventId: { type: String, required: true, unique: true },
    type: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    payload: { type: String, required: true },
    fannedOut: { type: Boolean, default: false, index: true },
  },
  { collection: 'webhookOutbox', versionKey: false },
);

const attemptSchema = new Schema<DeliveryAttempt>({ at: Date, attempt: Number, status: Number, responseBody: String, error: String, durationMs: Number }, { _id: false });
const deliverySchema = new Schema<DeliveryDoc>(
  {
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    subscriptionId: { type: Schema.Types.ObjectId, required: true, index: true },
    status: { type: String, required: true, default: 'pending' },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    claimSeq: { type: Number, default: 0 },
    deliveredAt: Date,
    lastStatus: Number,
    log: { type: [attemptSchema], default: [] },
  },
  { collection: 'webhookDeliveries', timestamps: true, versionKey: false },
);
deliverySchema.index({ eventId: 1, subscriptionId: 1 }, { unique: true });
deliverySchema.index({ status: 1, nextAttemptAt: 1 });

const inboundSchema = new Schema<InboundHookDoc>(
  {
    connectorId: { type: String, required: true },
    key: { type: String, required: true },
    name: { type: String, required: true },
    messageName: { type: String, required: true },
    businessKey: { type: String, required: true },
    variables: String,
    secret: sealedSchemaDefinition,
    toleranceSec: { type: Number, default: 300 },
    active: { type: Boolean, default: true },
  },
  { collection: 'inboundWebhooks', timestamps: true, versionKey: false },
);
inboundSchema.index({ connectorId: 1, key: 1 }, { unique: true });

const receiptSchema = new Schema<{ hookId: Types.ObjectId; signature: string; receivedAt: Date; result?: string }>(
  { hookId: { type: Schema.Types.ObjectId, required: true }, signature: { type: String, required: true }, receivedAt: { type: Date, required: true, index: true }, result: String },
  { collection: 'inboundWebhookReceipts', versionKey: false },
);
receiptSchema.index({ hookId: 1, signature: 1 }, { unique: true });

/** One document per claim of a delivery. A unique _id insert is the only compare-and-set that holds
 * under concurrency on FerretDB 1.24 (a filtered findOneAndUpdate / updateOne is not isolated there). */
const claimSchema = new Schema<{ _id: string; deliveryId: Types.ObjectId; owner: string; at: Date }>(
  { _id: String, deliveryId: { type: Schema.Types.ObjectId, required: true, index: true }, owner: String, at: Date },
  { collection: 'webhookClaims', versionKey: false },
);

function model<T>(c: Connection, name: string, schema: Schema<T>): Model<T> {
  return (c.models[name] as Model<T>) ?? c.model<T>(name, schema);
}

export function webhookModels(c: Connection) {
  return {
    Subscription: model(c, 'WebhookSubscription', subscriptionSchema),
    Outbox: model(c, 'WebhookOutbox', outboxSchema),
    Delivery: model(c, 'WebhookDelivery', deliverySchema),
    InboundHook: model(c, 'InboundWebhook', inboundSchema),
    Receipt: model(c, 'InboundWebhookReceipt', receiptSchema),
    Claim: model(c, 'WebhookClaim', claimSchema),
  };
}
export type WebhookModels = ReturnType<typeof webhookModels>;
