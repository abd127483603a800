/** Stored order → API view, and → what the index needs. */
import type { OrderEvent, OrderView } from '../../workflows/model/order';
import type { OrderDoc, StoredEvent } from './order.model';
import type { IndexedOrder } from './order-index';

const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : undefined);

export function eventView(e: StoredEvent): OrderEvent {
  let detail: unknown;
  if (e.detail) {
    try {
      detail = JSON.parse(e.detail);
    } catch {
      detail = e.detail;
    }
  }
  return { at: new Date(e.at).toISOString(), kind: e.kind, status: e.status, step: e.step, message: e.message, actor: e.actor, detail, public: e.public };
}

export function orderView(d: OrderDoc): OrderView {
  return {
    id: d._id,
    number: d.number,
    channel: d.channel,
    externalId: d.externalId,
    customer: d.customer,
    billingAddress: d.billingAddress,
    shippingAddress: d.shippingAddress,
    lines: d.lines,
    currency: d.currency,
    shippingCharge: d.shippingCharge,
    taxRate: d.taxRate,
    totals: d.totals,
    claimedTotals: d.totalsMismatch ? d.claimedTotals : undefined,
    totalsMismatch: d.totalsMismatch || undefined,
    priority: d.priority,
    type: d.type,
    requestedDeliveryDate: d.requestedDeliveryDate,
    notes: d.notes,
    attachments: d.attachments ?? [],
    status: d.status,
    statusSince: new Date(d.statusSince).toISOString(),
    currentStep: d.currentStep,
    allocation: d.allocation,
    shipment: d.shipment,
    review: { hash: d.review.hash, approvedHash: d.review.approvedHash, approvedAt: iso(d.review.approvedAt), approvedBy: d.review.approvedBy, outcome: d.review.outcome },
    flow: { status: d.flow.status, instanceId: d.flow.instanceId, attempts: d.flow.attempts, startedAt: iso(d.flow.startedAt), lastError: d.flow.lastError },
    importBatch: d.importBatch,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
    version: d.version,
  };
}

export function indexedOrder(d: Pick<OrderDoc, 'number' | 'createdAt' | 'status' | 'statusSince' | 'channel' | 'allocation' | 'totals' | 'currency' | 'customer' | 'lines'> & Partial<Pick<OrderDoc, 'priority'>>): IndexedOrder {
  return {
    number: d.number,
    createdAt: new Date(d.createdAt),
    status: d.status,
    statusSince: new Date(d.statusSince),
    channel: d.channel,
    warehouse: d.allocation?.warehouse,
    total: d.totals.total,
    currency: d.currency,
    customerName: d.customer.name,
    customerEmail: d.customer.email,
    lines: d.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, lineTotal: l.lineTotal })),
    productionLine: d.allocation?.productionLine,
    plannedShipDate: d.allocation?.plannedShipDate,
    priority: d.priority,
  };
}
