/**
 * A complete order to design and preview templates with (Latin and Chinese text, several lines,
 * allocation and shipment filled in). Typed as Order, so it cannot drift from the model.
 */
import type { Order } from '../model/order';

export const SAMPLE_ORDER: Order = {
  id: 'sample',
  number: 'SO-2026-000123',
  channel: 'web',
  customer: { name: '王小明 (Wang Xiaoming)', email: 'xiaoming@example.com', phone: '+8613800138000', company: '明光贸易有限公司' },
  billingAddress: { name: '王小明', company: '明光贸易有限公司', line1: '南京西路 1266 号', line2: '恒隆广场 28 楼', city: '上海', postcode: '200040', country: 'CN', phone: '+8613800138000' },
  shippingAddress: { name: '陳大文', line1: '信義路五段 7 號', line2: '台北 101, 35 樓', city: '台北市', postcode: '110', country: 'TW', phone: '+886227208889' },
  lines: [
    { sku: 'TEA-OOLONG-250', name: '凍頂烏龍茶 250 g', quantity: 4, unitPrice: 38.5, unit: 'pcs', lineTotal: 154 },
    { sku: 'CUP-CERAMIC-6', name: 'Ceramic cup set (6) 陶瓷杯', quantity: 1, unitPrice: 120, unit: 'set', lineTotal: 120 },
    { sku: 'GIFT-BOX-L', name: 'Gift box, large', quantity: 2, unitPrice: 9.9, unit: 'pcs', lineTotal: 19.8 },
  ],
  currency: 'CNY',
  totals: { subtotal: 293.8, shipping: 20, tax: 38.19, total: 351.99 },
  priority: 'normal',
  type: 'standard',
  requestedDeliveryDate: '2026-12-05',
  notes: '请在工作日送货 · Deliver on weekdays',
  attachments: [],
  status: 'allocated',
  allocation: { warehouse: 'SH-01', strategy: 'nearest', plannedShipDate: '2026-12-01' },
  shipment: { carrier: 'SF Express', trackingNumber: 'SF1234567890123', trackingUrl: 'https://track.example.com/SF1234567890123' },
  createdAt: '2026-11-28T09:30:00.000Z',
  updatedAt: '2026-11-28T10:00:00.000Z',
};

/** A value from the sample order by dotted path (the designer shows it on the canvas). */
export function sampleValue(path: string, scope: 'order' | 'line' = 'order'): unknown {
  const base: unknown = scope === 'line' ? { ...SAMPLE_ORDER.lines[0], no: 1 } : SAMPLE_ORDER;
  return path
    .replace(/^@root\./, '')
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), base);
}
