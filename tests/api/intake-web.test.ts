/** The public web order form endpoint: no login, honeypot, idempotent double-submit, rate limit. */
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';

const sampleOrder = (extra: Record<string, unknown> = {}) => ({
  customer: { name: 'Jane Doe', email: 'Jane.Doe@example.com' },
  shippingAddress: { line1: '1 High Street', city: 'London', postcode: 'SW1A 1AA', country: 'GB' },
  lines: [{ sku: 'ABC-1', name: 'Widget', quantity: 3, unitPrice: 9.99 }, { sku: 'XYZ-2', name: 'Gadget', quantity: 2, unitPrice: 0.5 }],
  currency: 'GBP',
  shippingCharge: 4.5,
  taxRate: 0.2,
  ...extra,
});

describe('public web order form', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'intake_web', env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '6' } });
  });
  afterAll(() => ordo.close());

  it('given an anonymous visitor, when they submit the form twice with one key, then one web order exists and they get its tracking path', async () => {
    const anon = new ApiClient(ordo.url);
    const schema = await anon.get('/api/orders/schema');
    expect(schema.status).toBe(200);
    expect(schema.body.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const first = await anon.post('/api/intake/web-orders', { ...sampleOrder(), website: '' }, { 'idempotency-key': 'form-123' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ number: expect.stringMatching(/^SO-/), status: 'received', trackingPath: `/track/${first.body.number}`, totals: { total: 42.56 } });
    const second = await anon.post('/api/intake/web-orders', { ...sampleOrder(), website: '' }, { 'idempotency-key': 'form-123' });
    expect(second.status).toBe(200);
    expect(second.body.number).toBe(first.body.number);
    const admin = await adminClient(ordo);
    const o = (await admin.get(`/api/orders/${first.body.number}`)).body;
    expect(o).toMatchObject({ channel: 'web' });
    expect(o.timeline[0].actor).toBe('web:jane.doe@example.com');
    const wrongChannel = await anon.post('/api/intake/web-orders', sampleOrder({ channel: 'api' }));
    expect(wrongChannel.status).toBe(400);
    expect(wrongChannel.body.errors).toEqual([{ path: 'channel', message: 'is set by this endpoint (web)' }]);
  });

  it('given a bot that fills the honeypot, then it is told "received" and nothing is stored', async () => {
    const before = await ordo.connection.collection('orders').countDocuments({});
    const res = await new ApiClient(ordo.url).post('/api/intake/web-orders', { ...sampleOrder(), website: 'http://spam.example' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ received: true });
    expect(await ordo.connection.collection('orders').countDocuments({})).toBe(before);
  });

  it('rate-limits the form per client', async () => {
    const anon = new ApiClient(ordo.url);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await anon.post('/api/intake/web-orders', { lines: [] })).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThan(0);
  });
});
