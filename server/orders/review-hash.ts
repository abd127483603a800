/**
 * An approval is bound to a hash of the fields a reviewer judged. Editing any of them (lines,
 * prices, addresses, customer, currency) changes the hash, so the approval no longer applies.
 */
import crypto from 'node:crypto';
import type { Address, Customer, OrderLine, OrderTotals } from '../../workflows/model/order';

export interface ReviewedFields {
  customer: Customer;
  billingAddress?: Address;
  shippingAddress: Address;
  lines: OrderLine[];
  currency: string;
  totals: OrderTotals;
}

/** JSON with sorted keys, so the hash does not depend on property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function reviewHash(f: ReviewedFields): string {
  const subject = {
    customer: f.customer,
    billingAddress: f.billingAddress,
    shippingAddress: f.shippingAddress,
    lines: f.lines.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unitPrice, unit: l.unit })),
    currency: f.currency,
    totals: f.totals,
  };
  return crypto.createHash('sha256').update(canonical(subject)).digest('hex');
}
