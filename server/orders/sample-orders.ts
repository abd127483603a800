/**
 * Synthetic sample orders for demo data and benchmarks (never mixed into a database that holds
 * real orders: scripts/load-demo-data.ts refuses). Deterministic for a given seed.
 */
import type { Channel, OrderInput, OrderStatus } from '../../workflows/model/order';
import type { OrderDoc, StoredEvent } from './order.model';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];

const FIRST = ['Anna', 'Ben', 'Chen', 'Dana', 'Emil', 'Fatima', 'Georg', 'Hana', 'Ivan', 'Julia', 'Kenji', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tara', '王芳', '李伟', '陳美玲', '林志明'];
const LAST = ['Müller', 'Smith', 'Garcia', 'Nguyen', 'Kowalski', 'Rossi', 'Jansen', 'Dubois', 'Silva', 'Novak', 'Berg', 'Ito'];
const PLACES = [
  { city: 'Berlin', postcode: '10115', country: 'DE', currency: 'EUR' },
  { city: 'Amsterdam', postcode: '1012 AB', country: 'NL', currency: 'EUR' },
  { city: 'London', postcode: 'SW1A 1AA', country: 'GB', currency: 'GBP' },
  { city: 'Lyon', postcode: '69001', country: 'FR', currency: 'EUR' },
  { city: 'Taipei', postcode: '100', country: 'TW', currency: 'TWD' },
  { city: 'Shanghai', postcode: '200000', country: 'CN', currency: 'CNY' },
  { city: 'Chicago', postcode: '60601', country: 'US', currency: 'USD' },
];
export const SAMPLE_SKUS = Array.from({ length: 60 }, (_, i) => ({ sku: `SKU-${String(i + 1).padStart(3, '0')}`, name: `${pick(rng(i), ['Bolt', 'Bracket', 'Panel', 'Hinge', 'Gasket', 'Valve', 'Sensor', 'Cable'])} ${i + 1}`, price: Math.round((2 + rng(i + 99)() * 180) * 100) / 100 }));
export const SAMPLE_WAREHOUSES = ['WH-Rotterdam', 'WH-Leipzig', 'WH-Kaohsiung'];
export const SAMPLE_CHANNELS: readonly Channel[] = ['api', 'web', 'email', 'phone', 'import', 'store'];

export function sampleInput(i: number, r: () => number): OrderInput {
  const place = pick(r, PLACES);
  const name = `${pick(r, FIRST)} ${pick(r, LAST)}`;
  const nLines = 1 + Math.floor(r() * 4);
  const lines = Array.from({ length: nLines }, () => {
    const p = SAMPLE_SKUS[Math.floor(r() ** 1.6 * SAMPLE_SKUS.length)];
    return { sku: p.sku, name: p.name, quantity: 1 + Math.floor(r() * 12), unitPrice: p.price, unit: 'pcs' };
  });
  return {
    customer: { id: `C-${1000 + (i % 2500)}`, name, email: `customer${i % 2500}@example.com` },
    shippingAddress: { name, line1: `${1 + Math.floor(r() * 200)} Market Street`, city: place.city, postcode: place.postcode, country: place.country },
    lines,
    currency: place.currency,
    shippingCharge: Math.round(r() * 20),
    taxRate: place.country === 'US' ? 0 : 0.2,
    priority: pick(r, ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const),
    type: pick(r, ['standard', 'standard', 'express', 'wholesale'] as const),
  };
}

const PATH: OrderStatus[] = ['received', 'in-review', 'approved', 'allocated', 'printed', 'packed', 'shipped', 'delivered'];
const MIN = 60_000;
/** typical minutes per step (median), spread ×0.3…×3 */
const STEP_MINUTES: Partial<Record<OrderStatus, number>> = { received: 2, 'in-review': 90, approved: 20, allocated: 120, printed: 60, packed: 600, shipped: 2600 };

/**
 * Gives a drafted order a plausible history up to `now`: status events along the reference flow,
 * sometimes rejected, cancelled or on hold, an allocation once allocated, a shipment once shipped.
 */
export function simulateHistory(doc: OrderDoc, r: () => number, now: Date): OrderDoc {
  const events: StoredEvent[] = [...doc.events];
  let t = doc.createdAt.getTime();
  let status: OrderStatus = 'received';
  const warehouse = pick(r, SAMPLE_WAREHOUSES);
  const fate = r();
  for (let i = 1; i < PATH.length; i++) {
    const prev = PATH[i - 1];
    const took = (STEP_MINUTES[prev] ?? 30) * MIN * (0.3 + r() * 2.7);
    if (t + took > now.getTime()) break;
    t += took;
    let next = PATH[i];
    if (prev === 'in-review' && fate < 0.06) next = 'rejected';
    if (prev === 'allocated' && fate > 0.97) next = 'cancelled';
    events.push({ at: new Date(t), kind: 'status', status: next, message: `Status: ${next}`, actor: next === 'approved' && fate < 0.25 ? 'reviewer@demo' : 'flow', public: true });
    status = next;
    if (next === 'rejected' || next === 'cancelled') break;
  }
  const reached = PATH.indexOf(status);
  const out: OrderDoc = { ...doc, events, status, statusSince: new Date(t), currentStep: status, updatedAt: new Date(t) };
  if (reached >= PATH.indexOf('approved') || status === 'cancelled') out.review = { ...doc.review, approvedHash: doc.review.hash, approvedAt: doc.createdAt, outcome: 'approved' };
  if (status === 'rejected') out.review = { ...doc.review, outcome: 'rejected' };
  if (reached >= PATH.indexOf('allocated') || status === 'cancelled') out.allocation = { warehouse, plannedShipDate: new Date(doc.createdAt.getTime() + 2 * 86_400_000).toISOString().slice(0, 10) };
  if (reached >= PATH.indexOf('shipped')) out.shipment = { carrier: pick(r, ['DHL', 'UPS', 'PostNL', 'SF Express']), trackingNumber: `TRK${Math.floor(r() * 1e10)}` };
  out.flow = { status: 'started', instanceId: `historical:${doc.number}`, attempts: 1, startedAt: doc.createdAt };
  return out;
}
