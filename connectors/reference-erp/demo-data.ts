/** The reference ERP's demo data: what the reference flow checks stock, credit and capacity against. */
export interface ErpState {
  warehouses: Array<{ id: string; name: string; region: string; country: string }>;
  products: Array<{ sku: string; name: string; unitPrice: number; unit: string }>;
  /** on-hand quantity per SKU and warehouse; incoming: expected receipts (purchase orders) by day */
  stock: Array<{ sku: string; warehouse: string; onHand: number; reserved: number; incoming?: Array<{ date: string; quantity: number }> }>;
  reservations: Array<{ id: string; orderId: string; warehouse: string; lines: Array<{ sku: string; quantity: number }>; status: 'active' | 'released'; createdAt: string }>;
  customers: Array<{ id: string; name: string; creditLimit: number; balance: number; currency: string; onHold: boolean }>;
  invoices: Array<{ id: string; number: string; orderId: string; customerId: string; currency: string; total: number; paid: number; status: 'open' | 'partially-paid' | 'paid'; createdAt: string }>;
  payments: Array<{ id: string; invoiceId: string; amount: number; reference: string; paidAt: string }>;
  lines: Array<{ id: string; name: string; dailyCapacity: number }>;
  /** units booked per line and day (YYYY-MM-DD) */
  bookings: Array<{ line: string; date: string; quantity: number }>;
  workOrders: Array<{ id: string; orderId: string; sku: string; quantity: number; line: string; date: string; status: 'planned' }>;
  /** Idempotency-Key → the answer first given */
  idempotency: Array<{ key: string; fingerprint: string; status: number; body: unknown }>;
  counters: { reservation: number; invoice: number; payment: number; workOrder: number };
}

export function demoData(): ErpState {
  const products = [
    { sku: 'CHAIR-OAK', name: 'Oak chair', unitPrice: 89, unit: 'pcs' },
    { sku: 'DESK-PINE', name: 'Pine desk', unitPrice: 249, unit: 'pcs' },
    { sku: 'LAMP-STEEL', name: 'Steel desk lamp', unitPrice: 39.5, unit: 'pcs' },
    { sku: 'SHELF-BIRCH', name: 'Birch shelf', unitPrice: 129, unit: 'pcs' },
    { sku: 'SOFA-LINEN', name: 'Linen sofa', unitPrice: 899, unit: 'pcs' },
    { sku: 'RUG-WOOL', name: 'Wool rug 2×3 m', unitPrice: 310, unit: 'pcs' },
  ];
  const onHand: Record<string, [number, number]> = {
    'CHAIR-OAK': [120, 40],
    'DESK-PINE': [35, 12],
    'LAMP-STEEL': [400, 250],
    'SHELF-BIRCH': [60, 0],
    'SOFA-LINEN': [4, 2],
    'RUG-WOOL': [0, 15],
  };
  // expected receipts (north, south), days from the start: the allocation rules' earliest day with stock
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  const incoming: Record<string, [{ date: string; quantity: number } | null, { date: string; quantity: number } | null]> = {
    'RUG-WOOL': [{ date: inDays(5), quantity: 20 }, null],
    'SOFA-LINEN': [null, { date: inDays(3), quantity: 6 }],
  };
  return {
    warehouses: [
      { id: 'WH-NORTH', name: 'North distribution centre', region: 'north', country: 'DE' },
      { id: 'WH-SOUTH', name: 'South warehouse', region: 'south', country: 'IT' },
    ],
    products,
    stock: products.flatMap((p) => [
      { sku: p.sku, warehouse: 'WH-NORTH', onHand: onHand[p.sku][0], reserved: 0, ...(incoming[p.sku]?.[0] ? { incoming: [incoming[p.sku][0]!] } : {}) },
      { sku: p.sku, warehouse: 'WH-SOUTH', onHand: onHand[p.sku][1], reserved: 0, ...(incoming[p.sku]?.[1] ? { incoming: [incoming[p.sku][1]!] } : {}) },
    ]),
    reservations: [],
    customers: [
      { id: 'C-1001', name: 'Acme Retail', creditLimit: 50_000, balance: 12_000, currency: 'EUR', onHold: false },
      { id: 'C-1002', name: 'Northwind Trading', creditLimit: 20_000, balance: 19_500, currency: 'EUR', onHold: false },
      { id: 'C-1003', name: 'Blue Harbour Shops', creditLimit: 10_000, balance: 2_000, currency: 'EUR', onHold: true },
      { id: 'C-1004', name: 'Lotus Home 莲花家居', creditLimit: 80_000, balance: 0, currency: 'CNY', onHold: false },
    ],
    invoices: [],
    payments: [],
    lines: [
      { id: 'LINE-A', name: 'Assembly line A', dailyCapacity: 120 },
      { id: 'LINE-B', name: 'Upholstery line B', dailyCapacity: 40 },
    ],
    bookings: [],
    workOrders: [],
    idempotency: [],
    counters: { reservation: 0, invoice: 0, payment: 0, workOrder: 0 },
  };
}
