/** Totals are computed here, from the lines, in the currency's minor unit: never taken from input. */
import type { OrderInput, OrderLine, OrderTotals } from '../../workflows/model/order';

const digitsCache = new Map<string, number>();

export function minorDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

export function roundMoney(value: number, currency: string): number {
  const f = 10 ** minorDigits(currency);
  return Math.round((value + Number.EPSILON) * f) / f;
}

export function computeLines(input: Pick<OrderInput, 'lines' | 'currency'>): OrderLine[] {
  return input.lines.map((l) => ({
    sku: l.sku,
    name: l.name,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    unit: l.unit ?? 'pcs',
    lineTotal: roundMoney(l.quantity * l.unitPrice, input.currency),
  }));
}

export function computeTotals(lines: OrderLine[], currency: string, shippingCharge = 0, taxRate = 0): OrderTotals {
  const subtotal = roundMoney(lines.reduce((s, l) => s + l.lineTotal, 0), currency);
  const shipping = roundMoney(shippingCharge, currency);
  const tax = roundMoney((subtotal + shipping) * taxRate, currency);
  return { subtotal, shipping, tax, total: roundMoney(subtotal + shipping + tax, currency) };
}

/** True when the sender claimed totals that differ from ours by more than one minor unit. */
export function totalsDiffer(claimed: Partial<OrderTotals> | undefined, computed: OrderTotals, currency: string): boolean {
  if (!claimed) return false;
  const unit = 10 ** -minorDigits(currency);
  return (Object.keys(computed) as Array<keyof OrderTotals>).some((k) => claimed[k] !== undefined && Math.abs((claimed[k] as number) - computed[k]) > unit + 1e-9);
}
