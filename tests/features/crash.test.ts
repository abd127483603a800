/**
 * Crash: two Ordo processes on one database take orders; one is killed with SIGKILL while flows
 * are being started and run (rules, connector calls, printing). The survivor finishes the work:
 * every order gets exactly one flow, reaches the packing task exactly once, and nothing is lost.
 */
import { testDatabaseUri } from '../helpers/db';
import { startChildOrdo, type ChildOrdo } from '../helpers/child-ordo';
import { ADMIN, ApiClient } from '../helpers/server';

// the survivor waits for the killed node's leases to run out (LEASE_MS below), on a loaded machine
jest.setTimeout(240_000);

const ORDERS = 24;

const order = (i: number) => ({
  externalId: `CRASH-${i}`,
  customer: { id: 'C-1001', name: 'Acme Retail', email: 'buyer@acme.example' },
  shippingAddress: { line1: '1 Harbour Road', city: 'Rotterdam', postcode: '3011', country: 'NL' },
  currency: 'EUR',
  lines: [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 1, unitPrice: 89 }],
});

describe('a node killed mid-work', () => {
  let a: ChildOrdo;
  let b: ChildOrdo;
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop();
  });

  it('given two nodes taking orders, when one is killed with SIGKILL, then the other brings every order to its packing task exactly once', async () => {
    const env = { MONGODB_URI: testDatabaseUri('crash'), ORDO_ADMIN_EMAIL: ADMIN.email, ORDO_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'error', LEASE_MS: '3000' };
    a = await startChildOrdo(env);
    b = await startChildOrdo(env);
    const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
    const key = (await admin.post('/api/api-keys', { name: 'shop', scopes: ['orders.write', 'orders.read', 'tasks.read'] })).body.key as string;
    const onA = new ApiClient(a.url, key);
    const onB = new ApiClient(b.url, key);

    // half the orders to each node, then A dies while its flows are starting and running
    const accepted = await Promise.all(Array.from({ length: ORDERS }, (_, i) => (i % 2 ? onB : onA).post('/api/orders', order(i), { 'idempotency-key': `crash-${i}` })));
    expect(accepted.map((r) => r.status)).toEqual(Array(ORDERS).fill(201));
    await a.stop('SIGKILL');
    const numbers = accepted.map((r) => r.body.number as string);

    // a retry of the same requests on the survivor changes nothing (idempotency)
    const again = await Promise.all(Array.from({ length: ORDERS }, (_, i) => onB.post('/api/orders', order(i), { 'idempotency-key': `crash-${i}` })));
    expect(again.map((r) => r.body.number)).toEqual(numbers);

    const bAdmin = await new ApiClient(b.url).login(ADMIN.email, ADMIN.password);
    const deadline = Date.now() + 180_000;
    let packTasks: Array<{ businessKey: string }> = [];
    for (;;) {
      const res = await bAdmin.get('/api/tasks?queue=all&limit=500');
      packTasks = (res.body.items ?? res.body).filter((t: { activityId: string; businessKey: string; status: string }) => t.activityId === 'pack' && numbers.includes(t.businessKey) && t.status !== 'cancelled');
      if (packTasks.length >= ORDERS || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const perOrder = new Map<string, number>();
    for (const t of packTasks) perOrder.set(t.businessKey, (perOrder.get(t.businessKey) ?? 0) + 1);
    expect([...perOrder.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(perOrder.size).toBe(ORDERS);

    for (const n of numbers) {
      const instances = await bAdmin.get(`/api/instances?businessKey=${n}`);
      expect(instances.body.total).toBe(1);
      expect((await bAdmin.get(`/api/orders/${n}`)).body.status).toBe('printed');
    }
  });
});
