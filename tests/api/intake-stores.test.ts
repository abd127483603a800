/**
 * Store webhooks over real HTTP: a store is added with a JSONata mapping; real HMAC-signed calls
 * (the raw bytes signed like Shopify or WooCommerce do) become orders; a redelivery is the same
 * order; a wrong or missing signature is 401 and nothing is stored.
 */
import crypto from 'node:crypto';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';

const MAPPING = `{
  "externalId": $string(id),
  "customer": { "name": customer.first_name & " " & customer.last_name, "email": email },
  "shippingAddress": { "line1": shipping_address.address1, "city": shipping_address.city, "postcode": shipping_address.zip, "country": shipping_address.country_code },
  "currency": currency,
  "lines": [line_items.{ "sku": sku, "name": title, "quantity": quantity, "unitPrice": $number(price) }],
  "totals": { "total": $number(total_price) }
}`;

const payload = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  email: 'jon@example.com',
  currency: 'cad',
  customer: { first_name: 'Jon', last_name: 'Snow' },
  shipping_address: { address1: '123 Amoebobacterium St', city: 'Ottawa', zip: 'K2P 0V6', country_code: 'CA' },
  line_items: [
    { sku: 'ipod-nano', title: 'iPod Nano', quantity: 2, price: '199.00' },
    { sku: 'case-1', title: 'Case', quantity: 1, price: '9.50' },
  ],
  total_price: '407.50',
  ...extra,
});

describe('store webhooks with HMAC signatures and JSONata mappings', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let secret: string;
  const send = (key: string, body: string, headers: Record<string, string>) => fetch(`${ordo.url}/api/hooks/stores/${key}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const sign = (body: string, s = secret) => crypto.createHmac('sha256', s).update(body).digest('base64');

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'intake_stores' });
    admin = await adminClient(ordo);
    const created = await admin.post('/api/intake/stores', { key: 'maple-shop', name: 'Maple Shop', mapping: MAPPING, signature: { header: 'X-Shop-Hmac-Sha256', encoding: 'base64', prefix: '' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'maple-shop', endpoint: '/api/hooks/stores/maple-shop/orders', secret: expect.stringMatching(/^whsec_/) });
    secret = created.body.secret;
  });
  afterAll(() => ordo.close());

  it('given a correctly signed store order, then it becomes an order through the mapping, and a redelivery is the same order', async () => {
    const body = JSON.stringify(payload(820982911946154));
    const first = await send('maple-shop', body, { 'x-shop-hmac-sha256': sign(body) });
    expect(first.status).toBe(201);
    const accepted = (await first.json()) as { number: string; replayed: boolean };
    expect(accepted.replayed).toBe(false);
    const order = (await admin.get(`/api/orders/${accepted.number}`)).body;
    expect(order).toMatchObject({ channel: 'store', externalId: 'maple-shop:820982911946154', currency: 'CAD', customer: { name: 'Jon Snow', email: 'jon@example.com' }, shippingAddress: { postcode: 'K2P 0V6', country: 'CA' } });
    expect(order.lines.map((l: { sku: string }) => l.sku)).toEqual(['IPOD-NANO', 'CASE-1']);
    expect(order.totals.subtotal).toBe(407.5);
    expect(order.totalsMismatch).toBeUndefined();
    expect(order.timeline[0].actor).toBe('store:maple-shop');
    // subscribers hear of it: the order.created event is in the outbound webhook outbox, with a deterministic id
    const event = await ordo.connection.collection('webhookOutbox').findOne({ eventId: `${accepted.number}:1:order.created` });
    expect(event).toMatchObject({ type: 'order.created' });
    expect(JSON.parse(String(event!.payload))).toMatchObject({ number: accepted.number, channel: 'store' });
    const again = await send('maple-shop', body, { 'x-shop-hmac-sha256': sign(body) });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { number: string }).number).toBe(accepted.number);
  });

  it('given a wrong, missing or re-signed-with-another-secret signature, or a body changed after signing, then 401 and nothing is stored', async () => {
    const before = await ordo.connection.collection('orders').countDocuments({});
    const body = JSON.stringify(payload(42));
    const wrongSecret = await send('maple-shop', body, { 'x-shop-hmac-sha256': sign(body, 'another-secret-of-sixteen') });
    const missing = await send('maple-shop', body, {});
    const tampered = await send('maple-shop', body.replace('"quantity":2', '"quantity":200'), { 'x-shop-hmac-sha256': sign(body) });
    for (const r of [wrongSecret, missing, tampered]) {
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect(await ordo.connection.collection('orders').countDocuments({})).toBe(before);
    expect(await ordo.connection.collection('orderKeys').countDocuments({ _id: 'ext:store:maple-shop:42' as never })).toBe(0);
  });

  it('given a signed payload the mapping turns into an invalid order, then 400 names the fields; without an order id 422', async () => {
    const bad = JSON.stringify(payload(43, { currency: 'XXXX', line_items: [{ sku: 'a', title: '', quantity: -1, price: '-3' }] }));
    const res = await send('maple-shop', bad, { 'x-shop-hmac-sha256': sign(bad) });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['currency', 'lines.0.name', 'lines.0.quantity', 'lines.0.unitPrice']));
    const noId = JSON.stringify({ ...payload(0), id: undefined });
    const r2 = await send('maple-shop', noId, { 'x-shop-hmac-sha256': sign(noId) });
    expect(r2.status).toBe(422);
  });

  it('refuses a mapping that is not JSONata, an unknown store, and lists stores without secrets; the mapping can be tried on a sample', async () => {
    const broken = await admin.post('/api/intake/stores', { key: 'broken', name: 'Broken', mapping: '{ "a": $$$ ' });
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].path).toBe('mapping');
    const body = JSON.stringify(payload(1));
    expect((await send('no-such-store', body, { 'x-shop-hmac-sha256': sign(body) })).status).toBe(404);
    const list = await admin.get('/api/intake/stores');
    expect(list.body).toEqual([expect.objectContaining({ key: 'maple-shop' })]);
    expect(JSON.stringify(list.body)).not.toMatch(/whsec_|"secret"/);
    const tried = await admin.post('/api/intake/stores/maple-shop/test', { payload: payload(7) });
    expect(tried.status).toBe(200);
    expect(tried.body).toMatchObject({ externalId: 'maple-shop:7', channel: 'store', lines: [expect.objectContaining({ sku: 'IPOD-NANO', unitPrice: 199 }), expect.anything()] });
  });
});
