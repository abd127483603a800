/**
 * Storage of orders. The order number is the document _id: FerretDB 1.24 pushes down only
 * `{_id: <string>}`, so every read and write of one order goes by number. Other lookups use the
 * bucket documents of order-index.ts. Side collections use _id-keyed inserts as their only
 * atomic primitive (an insert of an existing _id fails on both FerretDB and MongoDB).
 */
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type {
  Address,
  Attachment,
  Channel,
  Customer,
  FlowStartState,
  OrderAllocation,
  OrderLine,
  OrderPriority,
  OrderStatus,
  OrderTotals,
  OrderType,
} from '../../workflows/model/order';

export interface StoredEvent {
  at: Date;
  kind: 'status' | 'action' | 'flow' | 'intake';
  status?: OrderStatus;
  step?: string;
  message: string;
  actor?: string;
  /** JSON text: user data may hold keys FerretDB cannot store */
  detail?: string;
  public: boolean;
}

export interface OrderDoc {
  _id: string;
  number: string;
  channel: Channel;
  externalId?: string;
  customer: Customer;
  billingAddress?: Address;
  shippingAddress: Address;
  lines: OrderLine[];
  currency: string;
  shippingCharge?: number;
  taxRate?: number;
  totals: OrderTotals;
  claimedTotals?: Partial<OrderTotals>;
  totalsMismatch?: boolean;
  priority: OrderPriority;
  type: OrderType;
  requestedDeliveryDate?: string;
  notes?: string;
  attachments: Attachment[];
  status: OrderStatus;
  statusSince: Date;
  /** status before an on-hold, to resume to */
  heldFrom?: OrderStatus;
  currentStep?: string;
  allocation?: OrderAllocation;
  shipment?: { carrier?: string; trackingNumber?: string; trackingUrl?: string; shippedAt?: string };
  review: { hash: string; approvedHash?: string; approvedAt?: Date; approvedBy?: string; outcome?: 'approved' | 'rejected' | 'manual' };
  flow: { status: FlowStartState; instanceId?: string; attempts: number; startedAt?: Date; lastError?: string };
  events: StoredEvent[];
  importBatch?: string;
  createdBy: { kind: string; id: string | null; label: string };
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** An idempotency claim: `idem:<caller>:<key>` or `ext:<channel>:<externalId>` → order number. */
export interface OrderKeyDoc {
  _id: string;
  number: string;
  requestHash: string;
  /** the exact 201 body, replayed for a repeated Idempotency-Key or external id */
  receipt: string;
  at: Date;
}

/** Flow-start work queue: one entry per accepted order whose flow is not started yet. */
export interface OutboxDoc {
  _id: string;
  state: 'pending' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastError?: string;
  createdAt: Date;
}

/** A lease on one attempt: `_id = <number>#<attempt>`, inserted once (the insert is the claim). */
export interface LeaseDoc {
  _id: string;
  owner: string;
  until: Date;
}

export interface CounterDoc {
  _id: string;
  next?: number;
  node?: string;
  at?: Date;
}

/** `<number>@<version>#<generation>`: the one writer of that version of an order, on every node */
export interface VersionClaimDoc {
  _id: string;
  at: Date;
}

export interface OrderCollections {
  orders: Collection<OrderDoc>;
  versionClaims: Collection<VersionClaimDoc>;
  keys: Collection<OrderKeyDoc>;
  outbox: Collection<OutboxDoc>;
  leases: Collection<LeaseDoc>;
  counters: Collection<CounterDoc>;
}

export function orderCollections(connection: Connection): OrderCollections {
  const c = <T extends object>(name: string) => connection.collection(name) as unknown as Collection<T>;
  return { orders: c<OrderDoc>('orders'), versionClaims: c<VersionClaimDoc>('orderVersionClaims'), keys: c<OrderKeyDoc>('orderKeys'), outbox: c<OutboxDoc>('orderOutbox'), leases: c<LeaseDoc>('orderLeases'), counters: c<CounterDoc>('orderCounters') };
}

export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number })?.code === 11000;
