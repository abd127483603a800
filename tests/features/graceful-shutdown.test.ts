/**
 * Graceful shutdown: a node told to stop (SIGTERM) answers /readyz with 503 while it drains, and
 * hands the work it holds back at once instead of keeping it until its lease runs out. Here node A
 * holds a timer's firing whose service call waits on a remote system, and a webhook delivery the
 * receiver holds; A is stopped, and node B repeats both (same idempotency key, same delivery id).
 * The lease is a minute, far longer than the takeover may take, so only the hand-back explains it.
 */
import { connectDatabase } from '../../server/db/connection';
import { enqueueEvent } from '../../server/integration/outbox';
import { carrierConnector, startHoldingReceiver, timerThenCallFlow, until, useCrashNodes, type HoldingReceiver } from '../helpers/child-ordo';
import { ADMIN, ApiClient } from '../helpers/server';

jest.setTimeout(180_000);

const LEASE_MS = 60_000;

interface DeliveryView {
  id: string;
  status: string;
  attempts: number;
  log: Array<{ attempt: number; status?: number; error?: string }>;
}

describe('a node stopped gracefully', () => {
  const nodes = useCrashNodes('graceful');
  let carrier: HoldingReceiver;
  let hooks: HoldingReceiver;
  afterAll(async () => {
    await carrier?.close();
    await hooks?.close();
  });

  it('given a node holding a timer firing and a webhook delivery on held remote systems, when it gets SIGTERM, then /readyz answers 503 and another node repeats both long before the lease could run out', async () => {
    carrier = await startHoldingReceiver((r) => ({ status: 200, body: { confirmed: JSON.parse(r.body).order } }));
    hooks = await startHoldingReceiver((r) => ({ status: 200, body: { received: r.headers['x-ordo-delivery'] } }));
    // a minute's lease; A keeps serving (not ready) for a while after handing its work back
    const env = { LEASE_MS: String(LEASE_MS), SHUTDOWN_DRAIN_MS: '8000', WEBHOOK_POLL_MS: '200' };
    const a = await nodes.start(env);
    const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
    expect((await admin.post('/api/connectors', carrierConnector(carrier.url))).status).toBe(201);
    expect((await admin.post('/api/webhooks/subscriptions', { name: 'Shop', url: `${hooks.url}/hook`, events: ['order.created'], allowNetworks: ['loopback'] })).status).toBe(201);
    const fireAt = Date.now() + 3000;
    expect((await admin.post('/api/workflows', { xml: timerThenCallFlow('gracefulTimer', 3, new Date(fireAt).toISOString()) })).status).toBe(201);
    const started = await admin.post('/api/instances', { processKey: 'gracefulTimer', businessKey: 'G-1', variables: { order: 'G-1' } });
    expect(started.status).toBe(201);
    const id = started.body.id as string;

    // A's poller fires the timer; its command holds the instance while the carrier holds the call
    await until('A to fire the timer and call the carrier', async () => carrier.held().length === 1);
    expect((await admin.get(`/api/instances/${id}`)).body).toMatchObject({ status: 'waiting', tokens: ['wait'] });
    // then an order event: A's webhook worker claims its delivery and sends it (the webhook timeout is 10 s)
    const enqueuedAt = Date.now();
    const db = await connectDatabase(nodes.uri);
    try {
      await enqueueEvent(db, { type: 'order.created', id: 'G-1:1:order.created', data: { number: 'G-1' } });
    } finally {
      await db.close();
    }
    await until('A to send the webhook', async () => hooks.held().length === 1, 9000, 50);

    a.proc.kill('SIGTERM');
    // A drains: not ready while it still serves requests
    const ready = await until('A to answer /readyz with 503', async () => {
      const res = await new ApiClient(a.url).get('/readyz');
      return res.status === 503 ? res : undefined;
    });
    expect(ready.body).toEqual({ status: 'stopping' });

    // B repeats both: A's instance lock and delivery lease were handed back; the lease A took (after
    // fireAt and after the event was enqueued) would have lasted at least LEASE_MS beyond those
    const b = await nodes.start(env);
    await until('B to call the carrier and the webhook receiver again', async () => carrier.requests.length === 2 && hooks.requests.length === 2, 45_000);
    expect(Date.now()).toBeLessThan(Math.min(fireAt, enqueuedAt) + LEASE_MS);
    // B's call is the second attempt: the handed-back one stays counted (no silent retry)
    const check = await connectDatabase(nodes.uri);
    try {
      expect((await check.collection<{ instanceId: string; attempts: number }>('attempts').find({ instanceId: id }).toArray()).map((c) => c.attempts)).toEqual([2]);
    } finally {
      await check.close();
    }
    await until('A to hang up its calls', async () => carrier.requests[0].aborted && hooks.requests[0].aborted);
    await a.stop();
    expect(a.proc.exitCode).toBe(0);
    carrier.release();
    hooks.release();

    const onB = await new ApiClient(b.url).login(ADMIN.email, ADMIN.password);
    await until('the instance to complete on B', async () => (await onB.get(`/api/instances/${id}`)).body.status === 'completed');
    const history = (await onB.get(`/api/instances/${id}/history`)).body as Array<{ type: string; elementId: string | null }>;
    const count = (type: string, elementId: string) => history.filter((h) => h.type === type && h.elementId === elementId).length;
    expect(count('timer.fired', 'wait')).toBe(1);
    expect(count('element.entered', 'confirm')).toBe(1);
    expect(count('element.left', 'confirm')).toBe(1);
    // the same call again (one idempotency key)
    expect(new Set(carrier.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);

    // the same delivery again; A's attempt is counted and logged as handed back
    const [delivery] = await until('the delivery to be delivered', async () => {
      const list = (await onB.get('/api/webhooks/deliveries?limit=10')).body as DeliveryView[];
      return list.length === 1 && list[0].status === 'delivered' ? list : undefined;
    });
    expect(hooks.requests.map((r) => r.headers['x-ordo-delivery'])).toEqual([delivery.id, delivery.id]);
    expect(delivery.attempts).toBe(2);
    expect(delivery.log).toEqual([expect.objectContaining({ attempt: 1, error: expect.stringMatching(/handed it back/) }), expect.objectContaining({ attempt: 2, status: 200 })]);
  });
});
