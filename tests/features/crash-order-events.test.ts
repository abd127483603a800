/**
 * Crash between an order change and its outbound event: a node takes a burst of orders and is
 * killed with SIGKILL in the middle of it. Whatever the kill interrupted (an order written with its
 * event still inside the document, a mark without an order, an order whose answer never left),
 * a second node on the same database hands every written order's `order.created` event to the
 * webhook outbox once, and no order keeps pending events.
 */
import { connectDatabase } from '../../server/db/connection';
import { crashEnv, startChildOrdo, until, type ChildOrdo } from '../helpers/child-ordo';
import { testDatabaseUri } from '../helpers/db';
import { ADMIN, ApiClient } from '../helpers/server';

jest.setTimeout(240_000);

const ORDERS = 40;
const order = (i: number) => ({
  channel: 'api',
  customer: { name: `Crash Customer ${i}`, email: `crash${i}@example.com` },
  shippingAddress: { line1: `${i} Crash Street`, city: 'Gent', postcode: '9000', country: 'BE' },
  currency: 'EUR',
  lines: [{ sku: `CRASH-${i}`, name: 'Crash part', quantity: 1, unitPrice: 10 }],
});

describe('a node killed between order changes and their outbound events', () => {
  const uri = testDatabaseUri('crash_events');
  let a: ChildOrdo | undefined;
  let b: ChildOrdo | undefined;
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop();
    const c = await connectDatabase(uri);
    await c.dropDatabase().catch(() => undefined);
    await c.close();
  });

  it('given a burst of orders on a node killed with SIGKILL mid-way, when another node runs, then every written order’s created event reaches the webhook outbox and nothing stays pending', async () => {
    a = await startChildOrdo(crashEnv(uri));
    const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
    const key = (await admin.post('/api/api-keys', { name: 'shop', scopes: ['orders.write'] })).body.key as string;
    const shop = new ApiClient(a.url, key);

    // the burst: the node dies once the first answers are out, while the rest are being written
    let answered = 0;
    const node = a;
    const burst = Array.from({ length: ORDERS }, (_, i) =>
      shop.post('/api/orders', order(i), { 'idempotency-key': `crash-events-${i}` }).then(
        (r) => {
          if (r.status === 201 && ++answered === 5) void node.stop('SIGKILL');
          return r.status;
        },
        () => 0,
      ),
    );
    const statuses = await Promise.all(burst);
    await node.stop('SIGKILL');
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(5);

    const db = await connectDatabase(uri);
    try {
      const orders = db.collection<{ _id: string; outboundEvents?: Record<string, unknown> }>('orders');
      const written = (await orders.find({}, { projection: { _id: 1 } }).toArray()).map((o) => o._id);
      expect(written.length).toBeGreaterThanOrEqual(5);
      // what the kill left behind (a figure, not a condition: where the kill lands varies)
      const pending = await orders.countDocuments({ outboundEvents: { $exists: true } } as never);
      const marks = await db.collection('orderEventQueue').countDocuments({});
      process.stdout.write(`crash-order-events: ${written.length} orders written, ${statuses.filter((s) => s === 201).length} answered, ${pending} with events still inside, ${marks} marks\n`);

      b = await startChildOrdo(crashEnv(uri));
      const outbox = db.collection<{ eventId: string }>('webhookOutbox');
      const created = (n: string) => `${n}:1:order.created`;
      await until(
        'every written order’s created event in the outbox and no pending events left',
        async () => {
          const ids = new Set((await outbox.find({ eventId: { $in: written.map(created) } }, { projection: { eventId: 1 } }).toArray()).map((e) => e.eventId));
          const missing = written.filter((n) => !ids.has(created(n)));
          const left = await orders.countDocuments({ _id: { $in: written }, outboundEvents: { $exists: true } } as never);
          const queued = await db.collection('orderEventQueue').countDocuments({ _id: { $in: written } } as never);
          return missing.length === 0 && left === 0 && queued === 0 ? true : undefined;
        },
        180_000,
        500,
      );
      // exactly once: one outbox entry per event id
      const entries = await outbox.find({ eventId: { $in: written.map(created) } }).toArray();
      expect(entries.map((e) => e.eventId).sort()).toEqual(written.map(created).sort());
    } finally {
      await db.close();
    }
  });
});
