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
  allocation?: { warehouse?: string; productionLine?: string; plannedShipDate?: string; strategy?: string };
  /** set by shipping */
  shipment?: { carrier?: string; trackingNumber?: string; trackingUrl?: string; shippedAt?: string };
  createdAt: string;
  updatedAt: string;
}
