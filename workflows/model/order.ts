/**
 * The canonical order as stored and as handed to flows, rules and print templates.
 * The intake contract itself is the JSON Schema workflows/schemas/order.schema.json (user-facing
 * content, validated with ajv); this type mirrors it plus the server-computed parts.
 */
export const CHANNELS = ['api', 'web', 'email', 'phone', 'import', 'store'] as const;
export type Channel = (typeof CHANNELS)[number];

export const ORDER_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type OrderPriority = (typeof ORDER_PRIORITIES)[number];

export const ORDER_TYPES = ['standard', 'express', 'wholesale', 'made-to-order'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const ORDER_STATUSES = [
  'received',
  'in-review',
  'on-hold',
  'approved',
  'rejected',
  'allocated',
  'printed',
  'packed',
  'shipped',
  'delivered',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface Address {
  name?: string;
  company?: string;
  line1: string;
  line2?: string;
  city: string;
  postcode: string;
  region?: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
  phone?: string;
}

export interface Customer {
  id?: string;
  name: string;
  email?: string;
  /** E.164 after normalisation */
  phone?: string;
  company?: string;
}

export interface OrderLine {
  /** upper-case after normalisation */
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  unit: string;
  /** computed: quantity × unitPrice, rounded to the currency's minor unit */
  lineTotal: number;
}

export interface OrderTotals {
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
}

/** The order after intake: normalised, validated, numbered, totals computed server-side. */
export interface Order {
  id: string;
  /** SO-YYYY-NNNNNN, allocated atomically */
  number: string;
  channel: Channel;
  externalId?: string;
  customer: Customer;
  billingAddress?: Address;
  shippingAddress: Address;
  lines: OrderLine[];
  /** ISO 4217, upper-case */
  currency: string;
  totals: OrderTotals;
  priority: OrderPriority;
  type: OrderType;
  requestedDeliveryDate?: string;
  notes?: string;
  attachments: Attachment[];
  status: OrderStatus;
  /** set by allocation */
  allocation?: OrderAllocation;
  /** set by shipping */
  shipment?: { carrier?: string; trackingNumber?: string; trackingUrl?: string; shippedAt?: string };
  createdAt: string;
  updatedAt: string;
}

/* ---------- intake contract (mirrors workflows/schemas/order.schema.json) ---------- */

/** A line as it arrives: lineTotal is computed, the unit defaults to "pcs". */
export interface OrderLineInput {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  unit?: string;
}

/** What a channel hands to intake, after normalisation; validated by order.schema.json. */
export interface OrderInput {
  channel?: Channel;
  externalId?: string;
  customer: Customer;
  billingAddress?: Address;
  shippingAddress: Address;
  lines: OrderLineInput[];
  currency: string;
  shippingCharge?: number;
  /** 0.2 for 20 % */
  taxRate?: number;
  /** claimed by the sender; never trusted, only compared */
  totals?: Partial<OrderTotals>;
  priority?: OrderPriority;
  type?: OrderType;
  requestedDeliveryDate?: string;
  notes?: string;
  attachments?: Array<Omit<Attachment, 'id'> & { id?: string }>;
}

/* ---------- server-maintained parts of an order ---------- */

/** The durable flow-start record written with the order (outbox): the starter loop moves it on. */
export const FLOW_START_STATES = ['held', 'pending', 'starting', 'started', 'failed'] as const;
export type FlowStartState = (typeof FLOW_START_STATES)[number];

export interface OrderFlowState {
  status: FlowStartState;
  instanceId?: string;
  attempts: number;
  startedAt?: string;
  lastError?: string;
}

/** The approval is bound to a hash of the reviewed fields (customer, addresses, lines, currency, totals). */
export interface OrderReview {
  /** hash of the reviewed fields as they are now */
  hash: string;
  /** hash the approval was given for; differs from `hash` after an edit → review reopens */
  approvedHash?: string;
  approvedAt?: string;
  approvedBy?: string;
  outcome?: 'approved' | 'rejected' | 'manual';
}

/** The happy path of the reference flow, in order; ETA and "current step" are read along it. */
export const ORDER_STATUS_PATH: readonly OrderStatus[] = ['received', 'in-review', 'approved', 'allocated', 'printed', 'packed', 'shipped', 'delivered'];
export const FINAL_STATUSES: readonly OrderStatus[] = ['delivered', 'cancelled', 'rejected'];

/** Where an order ships from: one warehouse or production line, or (split) a warehouse per line. */
export interface OrderAllocation {
  warehouse?: string;
  productionLine?: string;
  plannedShipDate?: string;
  strategy?: string;
  /** a split allocation: the warehouse of each line (a line may come from several) */
  lines?: Array<{ sku: string; quantity: number; warehouse: string }>;
}

export interface OrderEvent {
  at: string;
  /** status: a status change; action: a person or system did something; flow: a step from the flow history */
  kind: 'status' | 'action' | 'flow' | 'intake';
  status?: OrderStatus;
  step?: string;
  message: string;
  actor?: string;
  /** rule explanation, document printed, … (internal only) */
  detail?: unknown;
  /** shown on the public tracking page */
  public: boolean;
}

export interface OrderEta {
  /** ISO date-time, or null when the order is final */
  eta: string | null;
  basis: string;
  sampleSize: number;
  steps: Array<{ status: OrderStatus; expectedMs: number; source: 'history' | 'sla' }>;
}

/** The order as the API shows it (Order + server-side bookkeeping). */
export interface OrderView extends Order {
  statusSince: string;
  currentStep?: string;
  flow: OrderFlowState;
  review: OrderReview;
  /** totals the sender claimed, when they differ from the computed ones */
  claimedTotals?: Partial<OrderTotals>;
  totalsMismatch?: boolean;
  shippingCharge?: number;
  taxRate?: number;
  importBatch?: string;
  version: number;
}

/** An order number: SO-YYYY-NNNNNN (the whole string). */
export const ORDER_NUMBER = /^SO-\d{4}-\d{6}$/;
// the same pattern without its anchors, anywhere in the text and in any case
const ORDER_NUMBER_IN_TEXT = new RegExp(ORDER_NUMBER.source.slice(1, -1), 'i');

/** The first order number in a text such as a scanned code, upper-case; undefined when there is none. */
export function findOrderNumber(text: string): string | undefined {
  return ORDER_NUMBER_IN_TEXT.exec(text.trim())?.[0].toUpperCase();
}
