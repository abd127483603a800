/** Pure parts of the orders module: normalisation, totals, the review hash, histograms, and schema ↔ model alignment. */
import { CHANNELS, ORDER_PRIORITIES, ORDER_TYPES } from '../../workflows/model/order';
import { normaliseOrderInput, normalisePhone, normaliseCountry, cleanText } from './normalise';
import { computeLines, computeTotals, roundMoney, totalsDiffer } from './totals';
import { reviewHash } from './review-hash';
import { durationBucket, histogramPercentile, median } from './sla';
import { ORDER_SCHEMA, validateOrderInput } from './order-schema';
import { applyOps } from './bucket-store';
import { dayEntry, parseDayEntry, nameTokens } from './order-index';

describe('normalisation', () => {
  it('cleans text: trims, collapses spaces, removes control characters (NUL cannot be stored)', () => {
    expect(cleanText('  a \u0000 b\t\tc  ')).toBe('a b c');
  });
  it('turns phone numbers towards E.164 using the country', () => {
    expect(normalisePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalisePhone('0049 (30) 1234-5678')).toBe('+493012345678');
    expect(normalisePhone('+44 (0)20 7946 0958')).toBe('+442079460958');
    expect(normalisePhone('0912 345 678', 'TW')).toBe('+886912345678');
    expect(normalisePhone('12345')).toBe('12345'); // left for the schema to refuse
  });
  it('maps country names to ISO codes', () => {
    expect(normaliseCountry(' united kingdom ')).toBe('GB');
    expect(normaliseCountry('台灣')).toBe('TW');
    expect(normaliseCountry('de')).toBe('DE');
  });
  it('normalises an order without touching values of the wrong type', () => {
    const out = normaliseOrderInput({ currency: 'eur', customer: { name: { $gt: 'x' }, email: 'A@B.C' }, lines: [{ sku: ' ab c ', quantity: '1,5', unitPrice: 'x' }], shippingAddress: { country: 'germany', postcode: ' 1011 ab ' } }) as Record<string, any>;
    expect(out.currency).toBe('EUR');
    expect(out.customer.name).toEqual({ $gt: 'x' });
    expect(out.customer.email).toBe('a@b.c');
    expect(out.lines[0]).toEqual({ sku: 'AB-C', quantity: 1.5, unitPrice: 'x' });
    expect(out.shippingAddress).toEqual({ country: 'DE', postcode: '1011 AB' });
  });
});

describe('totals', () => {
  it('computes lines and totals in the currency’s minor unit', () => {
    const lines = computeLines({ currency: 'JPY', lines: [{ sku: 'A', name: 'a', quantity: 3, unitPrice: 333.3 }] });
    expect(lines[0].lineTotal).toBe(1000);
    expect(computeTotals(lines, 'JPY', 0, 0.1)).toEqual({ subtotal: 1000, shipping: 0, tax: 100, total: 1100 });
    expect(roundMoney(1.005, 'EUR')).toBe(1.01);
  });
  it('flags claimed totals that differ by more than one minor unit', () => {
    const t = { subtotal: 10, shipping: 0, tax: 0, total: 10 };
    expect(totalsDiffer({ total: 10.01 }, t, 'EUR')).toBe(false);
    expect(totalsDiffer({ total: 10.5 }, t, 'EUR')).toBe(true);
    expect(totalsDiffer(undefined, t, 'EUR')).toBe(false);
  });
});

describe('review hash', () => {
  const base = { customer: { name: 'A' }, shippingAddress: { line1: 'x', city: 'y', postcode: '1', country: 'NL' }, lines: computeLines({ currency: 'EUR', lines: [{ sku: 'A', name: 'a', quantity: 1, unitPrice: 2 }] }), currency: 'EUR', totals: { subtotal: 2, shipping: 0, tax: 0, total: 2 } };
  it('does not depend on property order and changes with any reviewed field', () => {
    const reordered = { ...base, customer: { name: 'A' }, shippingAddress: { country: 'NL', postcode: '1', city: 'y', line1: 'x' } };
    expect(reviewHash(reordered)).toBe(reviewHash(base));
    expect(reviewHash({ ...base, shippingAddress: { ...base.shippingAddress, line1: 'z' } })).not.toBe(reviewHash(base));
    expect(reviewHash({ ...base, lines: [{ ...base.lines[0], unitPrice: 3 }] })).not.toBe(reviewHash(base));
  });
});

describe('cycle-time histograms', () => {
  it('estimates percentiles within the bucket precision (±12 %)', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i + 1) * 60_000);
    const hist: Record<string, number> = {};
    for (const v of values) hist[durationBucket(v)] = (hist[durationBucket(v)] ?? 0) + 1;
    const p50 = histogramPercentile(hist, 0.5)!;
    const p90 = histogramPercentile(hist, 0.9)!;
    expect(Math.abs(p50 - median(values)!) / median(values)!).toBeLessThan(0.13);
    expect(Math.abs(p90 - 900 * 60_000) / (900 * 60_000)).toBeLessThan(0.13);
    expect(histogramPercentile({}, 0.5)).toBeNull();
  });
});

describe('index buckets', () => {
  it('applies counter, entry and sample changes in order', () => {
    const doc = applyOps({ _id: 'r:x', entries: ['1|A|received', '2|B|received'] }, [
      { removePrefixes: ['1|A|'], add: ['1|A|approved'] },
      { inc: { 'st.received': 2, 'st.approved': 1 } },
      { inc: { 'st.received': -2 } },
      { samples: { values: [1, 2, 3], cap: 2 } },
      { min: { first: 5 } },
      { min: { first: 3 } },
    ]);
    expect(doc.entries).toEqual(['2|B|received', '1|A|approved']);
    expect(doc.c).toEqual({ st: { approved: 1 }, first: 3 });
    expect(doc.samples).toEqual([2, 3]);
  });
  it('keeps user text in rows safe from the separator and reads it back', () => {
    const row = { number: 'SO-2026-000001', createdAt: new Date(1000), status: 'received' as const, statusSince: new Date(2000), channel: 'web' as const, warehouse: 'A|B', total: 9.5, currency: 'EUR', customerName: 'Jo | "Bobby" <b>', customerEmail: undefined, lines: [] };
    expect(parseDayEntry(dayEntry(row))).toMatchObject({ number: row.number, warehouse: 'A|B', customerName: row.customerName, total: 9.5, statusSince: 2000 });
    expect(nameTokens('Jo-Anne van der Berg')).toEqual(['jo', 'ann', 'van', 'der', 'ber']);
  });
});

describe('the order schema and the model agree', () => {
  it('has the channels, priorities and types of workflows/model/order.ts', () => {
    const p = ORDER_SCHEMA.properties as Record<string, { enum?: string[] }>;
    expect(p.channel.enum).toEqual([...CHANNELS]);
    expect(p.priority.enum).toEqual([...ORDER_PRIORITIES]);
    expect(p.type.enum).toEqual([...ORDER_TYPES]);
  });
  it('fills defaults and reports every failing path', () => {
    const ok = validateOrderInput({ customer: { name: 'A' }, shippingAddress: { line1: 'x', city: 'y', postcode: '1', country: 'NL' }, currency: 'EUR', lines: [{ sku: 'A', name: 'a', quantity: 1, unitPrice: 0 }] });
    expect(ok.ok && ok.value).toMatchObject({ priority: 'normal', type: 'standard', lines: [{ unit: 'pcs' }] });
    const bad = validateOrderInput({ customer: {}, lines: [{}], currency: 'EURO', extra: 1 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['customer.name', 'shippingAddress', 'lines.0.sku', 'lines.0.quantity', 'currency', 'extra']));
  });
});
