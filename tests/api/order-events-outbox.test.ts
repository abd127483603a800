/**
 * Outbound order events ride in the order update itself (outboundEvents in the order document,
 * plus a queue mark written before that update). A node that dies after the update but before
 * handing the event to the webhook outbox loses nothing: a dispatcher on a restarted node finds
 * the mark, claims the order under a lease (unique-insert claim), hands the events over once and
 * removes them; the delivery worker then sends each exactly once.
 */
import { createLogger } from '../../server/infra/logger';
import { AuditService } from '../../server/audit/audit.service';
import { ANONYMOUS } from '../../server/auth/principal';
import { WebhookDeliveryWorker } from '../../server/integration/delivery-worker';
import { OrderEventDispatcher, ORDER_EVENT_CLAIMS } from '../../server/integration/order-events';
import { signPayload } from '../../server/integration/signature';
import { createOrdersModule, type OrdersModule } from '../../server/orders';
import { ORDER_EVENT_QUEUE } from '../../server/orders/orders.service';
import { eventually } from '../features/engine-harness';
import { json, startCapturingOrdo, startRemote, type CapturingOrdo, type RecordingClient, type Remote } from '../helpers/connectors';

jest.setTimeout(90_000);

const order = (sku: string) => ({
  channel: 'api',
  customer: { name: 'Outbox Customer', email: 'outbox@example.com' },
  shippingAddress: { line1: '1 Outbox Lane', city: 'Gent', postcode: '9000', country: 'BE' },
  currency: 'EUR',
  lines: [{ sku, name: 'Outbox part', quantity: 1, unitPrice: 10 }],
});

describe('outbound order events: an outbox inside the order update', () => {
  let h: CapturingOrdo;
  let admin: RecordingClient;
  let receiver: Remote;
  let secret: string;
  const silent = createLogger({ level: 'silent' });

  beforeAll(async () => {
    receiver = await startRemote((_req, res) => json(res, 200, { ok: true }));
    // no background delivery worker or dispatcher: each step of this test runs them by hand
    h = await startCapturingOrdo({ label: 'order_events', env: { WEBHOOK_WORKER: 'false' } });
    // no flow moves these orders on: the events counted here are the test's own
    await h.ordo.orders.starter.stop();
    admin = await h.admin();
    const sub = await admin.post('/api/webhooks/subscriptions', { name: 'ERP feed', url: `${receiver.url}/events`, events: ['order.created', 'order.approved'], allowNetworks: ['loopback'] });
    expect(sub.status).toBe(201);
    secret = sub.body.secret;
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  const orderDoc = (n: string) => h.ordo.connection.collection('orders').findOne({ _id: n as never });
  const queued = (n: string) => h.ordo.connection.collection(ORDER_EVENT_QUEUE).findOne({ _id: n as never });
  const inOutbox = (ids: string[]) => h.ordo.connection.collection('webhookOutbox').find({ eventId: { $in: ids } }).toArray();
  const worker = () => new WebhookDeliveryWorker({ connection: h.ordo.connection, box: h.ordo.integration.box, transport: h.ordo.integration.transport, logger: silent, owner: 'events-test' });
  const seenIds = (n: string) => receiver.seen.filter((r) => r.body.includes(n)).map((r) => JSON.parse(r.body).id as string);

  it('given a live node, when an order is created, then its event is in the webhook outbox before the answer and nothing stays pending in the order', async () => {
    const res = await admin.post('/api/orders', order('LIVE-1'));
    expect(res.status).toBe(201);
    const n = res.body.number as string;
    expect(await inOutbox([`${n}:1:order.created`])).toHaveLength(1);
    expect((await orderDoc(n))?.outboundEvents).toBeUndefined();
    expect(await queued(n)).toBeNull();
    expect(await worker().runOnce()).toMatchObject({ delivered: 1 });
    expect(seenIds(n)).toEqual([`${n}:1:order.created`]);
  });

  it('given a node that dies between the order update and the hand-over, when a dispatcher runs on a restarted node, then every event is delivered once, after the dead claim runs out', async () => {
    // the "crashed" node: its order updates are written, its hand-over never happens
    const crashed: OrdersModule = createOrdersModule({ connection: h.ordo.connection, logger: silent, audit: new AuditService(h.ordo.connection), startLoop: false });
    crashed.setEventSink(() => Promise.reject(new Error('the node was killed here')));
    const { order: accepted } = await crashed.orders.intake(order('CRASH-1'), { principal: ANONYMOUS, channel: 'api' });
    const n = accepted.number;
    const approved = await crashed.orders.applyStatus(n, 'approved', { actor: 'reviewer', step: 'review' });
    await crashed.close();
    const ids = [`${n}:1:order.created`, `${n}:${approved.version}:order.approved`];

    // what the crash left: both events inside the order document (written by the order updates themselves) and the mark
    const doc = await orderDoc(n);
    expect(doc?.status).toBe('approved');
    expect(Object.values(doc?.outboundEvents ?? {}).map((e: any) => e.id)).toEqual(expect.arrayContaining(ids));
    expect(JSON.parse((Object.values(doc!.outboundEvents).find((e: any) => e.type === 'order.approved') as { payload: string }).payload)).toMatchObject({ number: n, status: 'approved' });
    const mark = await queued(n);
    expect(mark).not.toBeNull();
    expect(await inOutbox(ids)).toEqual([]);

    // the dead node had claimed the order under a lease just before it died: nobody takes it while that lease holds
    await h.ordo.connection.collection(ORDER_EVENT_CLAIMS).insertOne({ _id: `${n}@${new Date(mark!.at).getTime()}#1` as never, owner: 'dead-node', until: new Date(Date.now() + 1500) });
    const restarted = new OrderEventDispatcher({ connection: h.ordo.connection, source: h.ordo.orders.orders, logger: silent, owner: 'restarted-node' });
    expect(await restarted.queued()).toContain(n);
    expect((await restarted.runOnce()).events).toBe(0);
    expect(await inOutbox(ids)).toEqual([]);

    // the lease runs out: the restarted node claims the next round and hands both events over
    const done = await eventually(async () => {
      const r = await restarted.runOnce();
      return r.events > 0 ? r : undefined;
    }, 20_000, 100);
    expect(done.events).toBe(2);
    expect((await inOutbox(ids)).map((e) => e.eventId).sort()).toEqual([...ids].sort());
    expect((await orderDoc(n))?.outboundEvents).toBeUndefined();
    expect(await queued(n)).toBeNull();
    expect(await restarted.runOnce()).toEqual({ orders: 0, events: 0 });

    // the delivery worker sends each exactly once, signed; deliveries run side by side, so their
    // order is not promised (receivers order by the version in the event id, docs/operations.md)
    expect(await worker().runOnce()).toMatchObject({ delivered: 2 });
    expect(await worker().runOnce()).toMatchObject({ delivered: 0 });
    expect(seenIds(n).sort()).toEqual([...ids].sort());
    for (const r of receiver.seen.filter((x) => x.body.includes(n))) {
      expect(r.headers['x-ordo-signature']).toBe(signPayload(secret, Number(r.headers['x-ordo-timestamp']), r.body));
    }
  });

  it('given two dispatchers racing over the same marked orders, then each event reaches the outbox once and every order is cleared', async () => {
    const crashed = createOrdersModule({ connection: h.ordo.connection, logger: silent, audit: new AuditService(h.ordo.connection), startLoop: false });
    crashed.setEventSink(() => Promise.reject(new Error('the node was killed here')));
    const numbers: string[] = [];
    for (let i = 0; i < 6; i++) numbers.push((await crashed.orders.intake(order(`RACE-${i}`), { principal: ANONYMOUS, channel: 'api' })).order.number);
    await crashed.close();
    const a = new OrderEventDispatcher({ connection: h.ordo.connection, source: h.ordo.orders.orders, logger: silent, owner: 'node-a' });
    const b = new OrderEventDispatcher({ connection: h.ordo.connection, source: h.ordo.orders.orders, logger: silent, owner: 'node-b' });
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(ra.events + rb.events).toBe(numbers.length);
    const ids = numbers.map((n) => `${n}:1:order.created`);
    expect(await inOutbox(ids)).toHaveLength(numbers.length);
    for (const n of numbers) {
      expect((await orderDoc(n))?.outboundEvents).toBeUndefined();
      expect(await queued(n)).toBeNull();
    }
    expect(await worker().runOnce()).toMatchObject({ delivered: numbers.length });
    for (const n of numbers) expect(seenIds(n)).toEqual([`${n}:1:order.created`]);
  });

  it('given an order holding events but no mark (a mark lost to a non-isolated write), then the dispatcher’s sweep finds it', async () => {
    const crashed = createOrdersModule({ connection: h.ordo.connection, logger: silent, audit: new AuditService(h.ordo.connection), startLoop: false });
    crashed.setEventSink(() => Promise.reject(new Error('the node was killed here')));
    const n = (await crashed.orders.intake(order('SWEEP-1'), { principal: ANONYMOUS, channel: 'api' })).order.number;
    await crashed.close();
    await h.ordo.connection.collection(ORDER_EVENT_QUEUE).deleteOne({ _id: n as never });
    const d = new OrderEventDispatcher({ connection: h.ordo.connection, source: h.ordo.orders.orders, logger: silent, owner: 'sweeper' });
    expect(await d.runOnce()).toEqual({ orders: 1, events: 1 });
    expect(await inOutbox([`${n}:1:order.created`])).toHaveLength(1);
  });
});
