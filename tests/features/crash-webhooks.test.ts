/**
 * Crash during webhook delivery: a node's worker is sending order events to a real receiver that
 * holds every request; the node is killed with SIGKILL while its deliveries are in flight. A new
 * node on the same database delivers everything: the receiver sees every event at least once, a
 * repeated event carries the same event id and delivery id (so the receiver can drop it), and the
 * interrupted attempts are counted and logged (no silent retry loop).
 */
import { connectDatabase } from '../../server/db/connection';
import { enqueueEvent } from '../../server/integration/outbox';
import { startHoldingReceiver, until, useCrashNodes, type HoldingReceiver } from '../helpers/child-ordo';
import { ADMIN, ApiClient } from '../helpers/server';

jest.setTimeout(240_000);

const EVENTS = 12;

interface DeliveryView {
  id: string;
  eventId: string;
  status: string;
  attempts: number;
  log: Array<{ attempt: number; status?: number; error?: string }>;
}

describe('a node killed during webhook delivery', () => {
  const nodes = useCrashNodes('crash_webhooks');
  let receiver: HoldingReceiver;
  afterAll(async () => {
    await receiver?.close();
  });

  it('given deliveries in flight to a receiver that holds them, when the node is killed with SIGKILL, then a new node delivers every event with its attempts counted', async () => {
    receiver = await startHoldingReceiver((r) => ({ status: 200, body: { received: r.headers['x-ordo-delivery'] } }));
    const env = { WEBHOOK_POLL_MS: '200' };
    const a = await nodes.start(env);
    const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
    const sub = await admin.post('/api/webhooks/subscriptions', { name: 'Shop', url: `${receiver.url}/hook`, events: ['order.created'], allowNetworks: ['loopback'] });
    expect(sub.status).toBe(201);

    // the order module's producer side: events with deterministic ids in the outbox
    const db = await connectDatabase(nodes.uri);
    const ids: string[] = [];
    try {
      for (let i = 0; i < EVENTS; i++) ids.push((await enqueueEvent(db, { type: 'order.created', id: `SO-${i}:1:order.created`, data: { number: `SO-${i}` } })).eventId);
    } finally {
      await db.close();
    }

    // the worker's lanes are all waiting for the receiver: the deliveries are verifiably in flight
    await until('deliveries held by the receiver', async () => receiver.held().length >= 4);
    const heldAtKill = receiver.held();
    const inFlight = heldAtKill.map((r) => String(r.headers['x-ordo-delivery']));
    expect((await admin.get('/api/webhooks/deliveries?status=delivered')).body).toEqual([]);
    await a.stop('SIGKILL');
    // (each held request by itself: an attempt that timed out earlier under load is aborted too, and counts apart)
    await until('the receiver to see the killed node hang up', async () => heldAtKill.every((r) => r.aborted));
    receiver.release();

    // a new node (same database) continues: after the dead node's leases run out its deliveries go again
    const b = await nodes.start(env);
    const onB = await new ApiClient(b.url).login(ADMIN.email, ADMIN.password);
    const deliveries = await until(
      'every delivery to be delivered',
      async () => {
        const res = await onB.get('/api/webhooks/deliveries?limit=200');
        const list = res.body as DeliveryView[];
        return res.status === 200 && list.length === EVENTS && list.every((d) => d.status === 'delivered') ? list : undefined;
      },
      120_000,
      500,
    );

    // every event reached the receiver; repeats carry the same event id and delivery id
    const answered = receiver.requests.filter((r) => r.answered);
    const eventOf = (r: (typeof receiver.requests)[number]) => JSON.parse(r.body).id as string;
    expect([...new Set(answered.map(eventOf))].sort()).toEqual([...ids].sort());
    for (const r of receiver.requests) expect(r.headers['x-ordo-event-id']).toBe(eventOf(r));
    const deliveryOf = new Map(deliveries.map((d) => [d.eventId, d.id]));
    for (const r of receiver.requests) expect(r.headers['x-ordo-delivery']).toBe(deliveryOf.get(eventOf(r)));

    // the killed attempts count: each interrupted delivery shows its lost attempt, then the one that went through
    for (const d of deliveries) {
      const sent = receiver.requests.filter((r) => eventOf(r) === d.eventId);
      expect(d.attempts).toBe(d.log.length);
      expect(d.attempts).toBeGreaterThanOrEqual(sent.length);
      expect(d.log[d.log.length - 1]).toMatchObject({ attempt: d.attempts, status: 200 });
      if (inFlight.includes(d.id)) {
        expect(d.attempts).toBeGreaterThanOrEqual(2);
        expect(d.log.some((l: { error?: string }) => /worker stopped/.test(l.error ?? ''))).toBe(true);
      }
    }
    expect(deliveries.filter((d) => inFlight.includes(d.id))).toHaveLength(inFlight.length);
  });
});
