/**
 * The reference order flow end to end on a real server: an order enters through the REST API,
 * the shipped order-fulfilment process reviews it with the order-review rule set (stock and credit
 * asked from the reference ERP through the connectors), allocates it, prints its packing slip and
 * invoice, waits for an operator to pack it, prints its shipping label and ships it. The order's status follows the flow.
 */
import type { RunningOrdo } from '../../server/main';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';

const waitFor = async <T>(probe: () => Promise<T | undefined>, explain: () => Promise<unknown>, ms = 45_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not reached in time: ${JSON.stringify(await explain()).slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

describe('reference order lifecycle', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'lifecycle' });
  });
  afterAll(() => ordo.close());

  it('takes an API order from received to shipped through review, allocation, printing and packing', async () => {
    const admin = await adminClient(ordo);
    const key = await admin.post('/api/api-keys', { name: 'shop', scopes: ['orders.write'] });
    const shop = new ApiClient(ordo.url, key.body.key);
    const created = await shop.post(
      '/api/orders',
      {
        externalId: 'SHOP-1001',
        customer: { id: 'C-1001', name: '王小明', email: 'xiaoming@example.com' },
        shippingAddress: { line1: '1 Harbour Road', city: 'Rotterdam', postcode: '3011', country: 'NL' },
        currency: 'EUR',
        lines: [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 2, unitPrice: 89 }],
      },
      { 'idempotency-key': 'lifecycle-1' },
    );
    expect(created.status).toBe(201);
    const number: string = created.body.number;
    const explainOrder = async () => {
      const o = await admin.get(`/api/orders/${number}`);
      const inst = await admin.get(`/api/instances?businessKey=${number}`);
      const incidents = await admin.get('/api/incidents');
      return { status: o.body.status, flow: o.body.flow, instances: inst.body, incidents: incidents.body };
    };

    await admin.post('/api/users', { email: 'packer@test.local', name: 'Packer', role: 'operator', groups: ['warehouse'], password: 'operator-pass-1' });
    const packer = await new ApiClient(ordo.url).login('packer@test.local', 'operator-pass-1');

    const task = await waitFor(async () => {
      const order = await admin.get(`/api/orders/${number}`);
      if (['rejected', 'cancelled', 'on-hold'].includes(order.body.status)) throw new Error(`order ended as ${order.body.status}: ${JSON.stringify(order.body.timeline ?? order.body).slice(0, 2000)}`);
      const tasks = await packer.get(`/api/tasks?queue=groups`);
      return (tasks.body.items ?? tasks.body).find((t: { businessKey: string; activityId: string }) => t.businessKey === number && t.activityId === 'pack');
    }, explainOrder);
    expect((await admin.get(`/api/orders/${number}`)).body.status).toBe('printed');
    const prints = await admin.get(`/api/print/jobs?orderId=${number}`);
    expect(prints.status).toBe(200);
    const printedKeys = (body: Array<{ kind: string; template: { key: string }; orderNumbers: string[] }>) =>
      body.filter((j) => j.kind === 'flow' && j.orderNumbers.includes(number)).map((j) => j.template.key).sort();
    expect(printedKeys(prints.body)).toEqual(['invoice', 'packing-slip']);

    expect((await packer.post(`/api/tasks/${encodeURIComponent(task.id)}/claim`)).status).toBe(200);
    const done = await packer.post(`/api/tasks/${encodeURIComponent(task.id)}/complete`, { data: { parcels: 1 } });
    expect(done.status).toBe(200);
    const shipped = await waitFor(async () => {
      const o = await admin.get(`/api/orders/${number}`);
      return o.body.status === 'shipped' ? o.body : undefined;
    }, explainOrder);
    expect(shipped.number).toBe(number);
    expect(printedKeys((await admin.get(`/api/print/jobs?orderId=${number}`)).body)).toEqual(['invoice', 'packing-slip', 'shipping-label']);
  });
});
