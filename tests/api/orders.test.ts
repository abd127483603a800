/**
 * Orders over real HTTP on a real database: REST intake with idempotency, normalisation and
 * computed totals, hostile input, the durable flow start, flow-derived status with the approval
 * hash, search, the order page data (timeline + ETA), cancel/hold, and the public tracking API.
 */
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';
import { RecordingFlowStarter } from '../../server/orders/flow-starter';

export function sampleOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customer: { name: '  Jane   Doe ', email: 'Jane.Doe@Example.COM', phone: '020 7946 0958' },
    shippingAddress: { name: 'Jane Doe', line1: '1 High Street', city: 'London', postcode: 'sw1a 1aa', country: 'United Kingdom' },
    lines: [
      { sku: ' abc-1 ', name: 'Widget', quantity: 3, unitPrice: 9.99 },
      { sku: 'xyz-2', name: 'Gadget', quantity: '2', unitPrice: '0,5', unit: 'PCS' },
    ],
    currency: 'gbp',
    shippingCharge: 4.5,
    taxRate: 0.2,
    ...overrides,
  };
}

async function until<T>(probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('orders: REST intake, idempotency, flow-derived status, search, tracking', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let api: ApiClient;

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'orders', env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '40' } });
    // these scenarios play the flow's part themselves (through its handlers), so the flows they
    // start are only recorded; tests/api/orders-flow.test.ts runs orders on the real runtime
    ordo.orders.setFlowPort(new RecordingFlowStarter(ordo.connection.collection('flowStarts') as never));
    admin = await adminClient(ordo);
    const key = await admin.post('/api/api-keys', { name: 'shop', scopes: ['orders.write', 'orders.read'] });
    api = new ApiClient(ordo.url, key.body.key);
  });
  afterAll(() => ordo.close());

  it('given an API key, when an order is posted, then it is normalised, numbered, totals are computed and the claimed totals are not trusted', async () => {
    const res = await api.post('/api/orders', sampleOrder({ totals: { total: 1 } }), { 'idempotency-key': 'k-normalise-1' });
    expect(res.status).toBe(201);
    const o = res.body;
    expect(o.number).toMatch(/^SO-\d{4}-\d{6}$/);
    expect(res.headers.get('location')).toBe(`/api/orders/${o.number}`);
    expect(o).toMatchObject({ channel: 'api', status: 'received', currency: 'GBP', priority: 'normal', type: 'standard' });
    expect(o.customer).toEqual({ name: 'Jane Doe', email: 'jane.doe@example.com', phone: '+442079460958' });
    expect(o.shippingAddress).toMatchObject({ country: 'GB', postcode: 'SW1A 1AA' });
    expect(o.lines.map((l: { sku: string }) => l.sku)).toEqual(['ABC-1', 'XYZ-2']);
    expect(o.lines[1]).toMatchObject({ quantity: 2, unitPrice: 0.5, unit: 'pcs', lineTotal: 1 });
    // 3 × 9.99 + 2 × 0.5 = 30.97; + 4.50 shipping = 35.47; 20 % tax = 7.09
    expect(o.totals).toEqual({ subtotal: 30.97, shipping: 4.5, tax: 7.09, total: 42.56 });
    expect(o.totalsMismatch).toBe(true);
    expect(o.claimedTotals).toEqual({ total: 1 });
    expect(o.flow.status).toBe('pending');
  });

  it('given the same Idempotency-Key or the same channel + externalId twice, then the one order comes back with 200 and the same body', async () => {
    const first = await api.post('/api/orders', sampleOrder({ externalId: 'SHOP-1001' }), { 'idempotency-key': 'k-dup-1' });
    expect(first.status).toBe(201);
    const again = await api.post('/api/orders', sampleOrder({ externalId: 'SHOP-1001' }), { 'idempotency-key': 'k-dup-1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const byExternalId = await api.post('/api/orders', sampleOrder({ externalId: 'SHOP-1001' }));
    expect(byExternalId.status).toBe(200);
    expect(byExternalId.body).toEqual(first.body);
    const reused = await api.post('/api/orders', sampleOrder({ externalId: 'SHOP-OTHER', notes: 'different' }), { 'idempotency-key': 'k-dup-1' });
    expect(reused.status).toBe(422);
    const found = await admin.get(`/api/orders?customer=jane.doe@example.com&limit=100`);
    expect(found.body.items.filter((r: { number: string }) => r.number === first.body.number)).toHaveLength(1);
  });

  it('given ten concurrent posts with one Idempotency-Key, then exactly one order exists and every answer carries its number', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => api.post('/api/orders', sampleOrder({ externalId: 'RACE-1' }), { 'idempotency-key': 'k-race-1' })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.every((a) => a.status === 201 || a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.number)).size).toBe(1);
  });

  it('given invalid input, then 400 names every failing field and nothing is stored', async () => {
    const res = await api.post('/api/orders', {
      customer: { name: { $gt: '' }, email: 'not-an-email' },
      shippingAddress: { line1: '', city: 'X', country: 'XX' },
      lines: [{ sku: 'A', name: 'n', quantity: -1, unitPrice: 'abc' }],
      currency: 'EURO',
      $where: 'sleep(1000)',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['customer.name', 'customer.email', 'shippingAddress.line1', 'shippingAddress.postcode', 'shippingAddress.country', 'lines.0.quantity', 'lines.0.unitPrice', 'currency', '$where']),
    );
    const empty = await api.post('/api/orders', { lines: [] });
    expect(empty.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['customer', 'shippingAddress', 'currency', 'lines']));
    const proto = await api.request('POST', '/api/orders', JSON.stringify({ ...sampleOrder(), ['__proto__']: { admin: true } }));
    expect(proto.status).toBe(400);
    expect((await ordo.connection.collection('orders').countDocuments({ 'customer.email': 'not-an-email' }))).toBe(0);
  });

  it('stores MongoDB operators and HTML in text fields as inert text, and answers 413 for an oversize body', async () => {
    const res = await api.post('/api/orders', sampleOrder({ customer: { name: '<img src=x onerror=alert(1)>', email: 'op@example.com' }, notes: '{"$gt": ""} $where' }));
    expect(res.status).toBe(201);
    const detail = await admin.get(`/api/orders/${res.body.number}`);
    expect(detail.body.customer.name).toBe('<img src=x onerror=alert(1)>');
    expect(detail.body.notes).toBe('{"$gt": ""} $where');
    const found = await admin.get(`/api/orders?customer=${encodeURIComponent('<img')}`);
    expect(found.body.items.map((r: { number: string }) => r.number)).toContain(res.body.number);
    const huge = await api.post('/api/orders', sampleOrder({ notes: 'x'.repeat(2 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
  });

  it('given an accepted order, then its flow start is recorded durably after the answer and the order shows the flow as started', async () => {
    const res = await api.post('/api/orders', sampleOrder({ externalId: 'FLOW-1' }));
    expect(res.status).toBe(201);
    const started = await until(async () => {
      const o = await admin.get(`/api/orders/${res.body.number}`);
      return o.body.flow.status === 'started' && o.body;
    });
    expect(started.flow.instanceId).toEqual(expect.any(String));
    const record = await ordo.connection.collection('flowStarts').findOne({ _id: res.body.number as never });
    expect(record).toMatchObject({ processKey: 'order-fulfilment', variables: { orderId: res.body.number } });
    expect(await ordo.connection.collection('orderOutbox').countDocuments({ _id: res.body.number as never })).toBe(0);
  });

  it('derives status from the flow; an edit after approval reopens review and blocks allocation until approved again', async () => {
    const { number } = (await api.post('/api/orders', sampleOrder({ externalId: 'APPROVAL-1' }))).body;
    // the flow start lands after the answer and bumps the order's version; let it land first so
    // the edit below conflicts only where the scenario means it to
    await until(async () => (await admin.get(`/api/orders/${number}`)).body.flow.status === 'started');
    const h = ordo.orders.handlers;
    await h['order.setStatus']({ status: 'in-review', step: 'review' }, { businessKey: number });
    await h['order.recordEvent']({ message: 'Rule "credit" fired: total below limit', step: 'review', detail: { rule: 'credit', fired: true } }, { businessKey: number });
    await h['order.setStatus']({ status: 'approved', actor: 'rules' }, { businessKey: number });
    const approved = (await admin.get(`/api/orders/${number}`)).body;
    expect(approved.status).toBe('approved');
    expect(approved.review.approvedHash).toBe(approved.review.hash);

    const edited = await admin.patch(`/api/orders/${number}`, { version: approved.version, lines: [{ sku: 'ABC-1', name: 'Widget', quantity: 300, unitPrice: 9.99 }] });
    expect(edited.status).toBe(200);
    expect(edited.body.status).toBe('in-review');
    expect(edited.body.totals.subtotal).toBe(2997);
    expect(edited.body.review.approvedHash).toBeUndefined();
    await expect(h['order.setStatus']({ status: 'allocated' }, { businessKey: number })).rejects.toThrow(/approval/);
    const stale = await admin.patch(`/api/orders/${number}`, { version: approved.version, notes: 'late' });
    expect(stale.status).toBe(409);

    await h['order.setStatus']({ status: 'approved', actor: 'reviewer@test' }, { businessKey: number });
    await h['order.setAllocation']({ warehouse: 'WH-North', plannedShipDate: '2030-01-02' }, { businessKey: number });
    await h['order.setStatus']({ status: 'allocated' }, { businessKey: number });
    const detail = (await admin.get(`/api/orders/${number}`)).body;
    expect(detail.status).toBe('allocated');
    expect(detail.allocation.warehouse).toBe('WH-North');
    const messages = detail.timeline.map((e: { message: string }) => e.message);
    expect(messages).toEqual(expect.arrayContaining(['Edited after approval: the review is reopened', 'Rule "credit" fired: total below limit']));
    expect(detail.timeline.find((e: { detail?: unknown }) => e.detail)?.detail).toEqual({ rule: 'credit', fired: true });
    expect(detail.eta.eta).toEqual(expect.any(String));
    expect(detail.eta.basis).toMatch(/SLA targets|median/);
    expect(detail.eta.steps.map((s: { status: string }) => s.status)).toEqual(['allocated', 'printed', 'packed', 'shipped']);
    const byWarehouse = await admin.get('/api/orders?warehouse=WH-North');
    expect(byWarehouse.body.items.map((r: { number: string }) => r.number)).toEqual([number]);
  });

  it('cancels, holds and releases where allowed, and refuses once final', async () => {
    const { number } = (await api.post('/api/orders', sampleOrder({ externalId: 'ACT-1' }))).body;
    await ordo.orders.handlers['order.setStatus']({ status: 'in-review' }, { businessKey: number });
    const held = await admin.post(`/api/orders/${number}/hold`, { reason: 'customer called' });
    expect(held.body.status).toBe('on-hold');
    const released = await admin.post(`/api/orders/${number}/release`, {});
    expect(released.body.status).toBe('in-review');
    const cancelled = await admin.post(`/api/orders/${number}/cancel`, { reason: 'duplicate' });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await admin.post(`/api/orders/${number}/hold`, {})).status).toBe(409);
    const viewer = new ApiClient(ordo.url, (await admin.post('/api/api-keys', { name: 'reader', scopes: ['orders.read'] })).body.key);
    expect((await viewer.post(`/api/orders/${number}/cancel`, {})).status).toBe(403);
  });

  it('searches by number, customer e-mail and name, status, channel, SKU and date range, newest first with a cursor', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api.post('/api/orders', sampleOrder({ customer: { name: `Searchable Person${i}`, email: `search${i % 2}@example.com` }, lines: [{ sku: `FIND-${i % 2}`, name: 'n', quantity: 1, unitPrice: 1 }] }));
      made.push(r.body.number);
    }
    expect((await admin.get(`/api/orders?number=${made[2]}`)).body.items.map((r: { number: string }) => r.number)).toEqual([made[2]]);
    expect((await admin.get('/api/orders?customer=search1@example.com')).body.items.map((r: { number: string }) => r.number)).toEqual([made[3], made[1]]);
    expect((await admin.get('/api/orders?customer=searchable%20person4')).body.items.map((r: { number: string }) => r.number)).toEqual([made[4]]);
    expect((await admin.get('/api/orders?sku=find-0')).body.items.map((r: { number: string }) => r.number)).toEqual([made[4], made[2], made[0]]);
    const page1 = await admin.get('/api/orders?status=received&channel=api&limit=2');
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items[0]).toMatchObject({ number: made[4], status: 'received', channel: 'api', customerName: 'Searchable Person4', currency: 'GBP' });
    const page2 = await admin.get(`/api/orders?status=received&channel=api&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.items.map((r: { number: string }) => r.number)).toEqual([made[2], made[1]]);
    const oldest = await admin.get('/api/orders?sort=oldest&limit=1');
    expect(oldest.body.items[0].createdAt).toBeLessThanOrEqual(page2.body.items[1].createdAt);
    const future = await admin.get('/api/orders?from=2099-01-01');
    expect(future.body.items).toEqual([]);
    expect((await admin.get('/api/orders?status=lost')).status).toBe(400);
    expect((await admin.get('/api/orders?customer[$ne]=x')).status).toBe(400);
  });

  it('public tracking: number + e-mail or postcode shows status, timeline and ETA without internal details; anything else is the same 404', async () => {
    const { number } = (await api.post('/api/orders', sampleOrder({ externalId: 'TRACK-1', notes: 'internal: VIP margin' }))).body;
    await ordo.orders.handlers['order.setStatus']({ status: 'in-review', actor: 'alice@internal', message: 'Manual review by Alice' }, { businessKey: number });
    const anon = new ApiClient(ordo.url);
    const byEmail = await anon.get(`/api/tracking/${number}?email=JANE.DOE@example.com`);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toMatchObject({ number, status: 'in-review' });
    expect(byEmail.body.timeline.map((e: { status?: string }) => e.status)).toEqual(['received', 'in-review']);
    expect(byEmail.body.eta).toEqual({ eta: expect.any(String), basis: expect.any(String) });
    const text = JSON.stringify(byEmail.body);
    expect(text).not.toMatch(/alice|Alice|VIP|Jane|customer|lines|totals/);
    expect((await anon.get(`/api/tracking/${number}?postcode=sw1a1aa`)).status).toBe(200);
    const wrong = await anon.get(`/api/tracking/${number}?email=someone@else.com`);
    const unknown = await anon.get('/api/tracking/SO-1999-000001?email=jane.doe@example.com');
    expect(wrong.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(wrong.body.title).toBe(unknown.body.title);
    expect((await anon.get(`/api/tracking/${number}`)).status).toBe(400);
  });

  it('reports count orders per day by channel and status, review outcomes, warehouses and SKUs, and export CSV', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const report = await admin.get(`/api/reports/orders?from=${today}&to=${today}`);
    expect(report.status).toBe(200);
    const day = report.body.perDay[0];
    expect(day.total).toBeGreaterThanOrEqual(10);
    expect(day.channel.api).toBe(day.total);
    expect(Object.values(day.status).reduce((s: number, n) => s + (n as number), 0)).toBe(day.total);
    expect(day.status.cancelled).toBe(1);
    expect(report.body.reviewOutcomes.approved).toBe(2);
    expect(report.body.reviewOutcomes.reopened).toBe(1);
    expect(report.body.allocationByWarehouse).toEqual([{ warehouse: 'WH-North', orders: 1 }]);
    expect(report.body.topSkus[0]).toMatchObject({ sku: 'ABC-1' });
    const review = report.body.cycleTimes.find((c: { step: string }) => c.step === 'in-review');
    expect(review.count).toBeGreaterThanOrEqual(2);
    expect(review.medianMs).toEqual(expect.any(Number));
    const csv = await admin.request('GET', `/api/reports/orders.csv?kind=top-skus&from=${today}&to=${today}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(String(csv.body).split('\r\n')[0]).toBe('sku,quantity,orders');
    expect(String(csv.body)).toMatch(/\nABC-1,/);
  });

  it('rate-limits public tracking per client', async () => {
    const anon = new ApiClient(ordo.url);
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await anon.get('/api/tracking/SO-1999-000001?email=a@b.c')).status);
    expect(statuses).toContain(429);
  });
});
