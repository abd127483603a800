/**
 * Two server nodes writing the same order at the same moment lose nothing: every write claims the
 * order's next version (a unique insert, the one atomic claim on FerretDB 1.24), so the other
 * node's writer reloads and applies its change on top instead of overwriting it.
 */
import type { RunningOrdo } from '../../server/main';
import { RecordingFlowStarter } from '../../server/orders/flow-starter';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';

describe('order writes from two nodes', () => {
  let a: RunningOrdo;
  let b: RunningOrdo;
  beforeAll(async () => {
    a = await startTestOrdo({ label: 'order_writes_two_nodes' });
    b = await startTestOrdo({ label: 'order_writes_two_nodes_b', env: { MONGODB_URI: a.config.mongodbUri! } });
    // the flows these orders would start play no part here
    for (const node of [a, b]) node.orders.setFlowPort(new RecordingFlowStarter(node.connection.collection('flowStarts') as never));
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('given 15 timeline writes on each of two nodes to one order at once, then the order holds all 30 and its version counts each once', async () => {
    const admin = await adminClient(a);
    const key = await admin.post('/api/api-keys', { name: 'shop', scopes: ['orders.write', 'orders.read'] });
    const api = new ApiClient(a.url, key.body.key);
    const { number } = (
      await api.post('/api/orders', {
        customer: { name: 'Li Wei', email: 'li.wei@example.com' },
        shippingAddress: { name: 'Li Wei', line1: '1 Nanjing Road', city: 'Shanghai', postcode: '200001', country: 'CN' },
        lines: [{ sku: 'ABC-1', name: 'Widget', quantity: 2, unitPrice: 10 }],
        currency: 'CNY',
        externalId: 'TWO-NODES-1',
      })
    ).body;
    // the (recorded) flow start lands after the answer and is a write of its own: let it land first
    let before = await a.orders.orders.getDoc(number);
    for (const end = Date.now() + 20_000; before.flow.status !== 'started' && Date.now() < end; before = await a.orders.orders.getDoc(number)) await new Promise((r) => setTimeout(r, 50));
    expect(before.flow.status).toBe('started');

    const writes = [a, b].flatMap((node, n) =>
      Array.from({ length: 15 }, (_, i) => node.orders.handlers['order.recordEvent']({ message: `node ${n} write ${i}`, step: 'review' }, { businessKey: number })),
    );
    await Promise.all(writes);

    const after = await a.orders.orders.getDoc(number);
    const messages = after.events.map((e) => e.message).filter((m) => /^node \d write \d+$/.test(m ?? ''));
    expect(messages.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `node ${Math.floor(i / 15)} write ${i % 15}`).sort());
    expect(after.version).toBe(before.version + 30);
  });
});
