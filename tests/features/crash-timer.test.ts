/**
 * Crash during a timer firing: instances wait on a timer; when it fires, the command that fires it
 * calls a remote system (a REST connector) that the test holds. The node is killed with SIGKILL
 * while those calls are in flight. A restarted node fires each timer exactly once (the killed
 * command saved nothing), repeats the call with the same idempotency key, and counts the killed
 * attempt: a task allowed one attempt opens an incident instead of calling again.
 */
import { connectDatabase } from '../../server/db/connection';
import { carrierConnector, startHoldingReceiver, timerThenCallFlow, until, useCrashNodes, type HoldingReceiver } from '../helpers/child-ordo';
import { ADMIN, ApiClient } from '../helpers/server';

jest.setTimeout(240_000);

interface HistoryEntry {
  type: string;
  elementId: string | null;
}

describe('a node killed while a timer fires', () => {
  const nodes = useCrashNodes('crash_timer');
  let carrier: HoldingReceiver;
  afterAll(async () => {
    await carrier?.close();
  });

  it('given timers whose firing is calling a held remote system, when the node is killed with SIGKILL, then a restarted node fires each timer once and counts the killed attempt', async () => {
    carrier = await startHoldingReceiver((r) => ({ status: 200, body: { confirmed: JSON.parse(r.body).order } }));
    const a = await nodes.start();
    const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
    expect((await admin.post('/api/connectors', carrierConnector(carrier.url))).status).toBe(201);
    // one due time for all: the poller takes them in one pass (a pass ends when its slowest job does)
    const fireAt = new Date(Date.now() + 8000).toISOString();
    for (const [id, retries] of [['crashTimer', 3], ['crashTimerOnce', 1]] as const) expect((await admin.post('/api/workflows', { xml: timerThenCallFlow(id, retries, fireAt) })).status).toBe(201);

    const started: Record<string, string> = {};
    for (const [order, processKey] of [['T-1', 'crashTimer'], ['T-2', 'crashTimer'], ['T-ONCE', 'crashTimerOnce']]) {
      const res = await admin.post('/api/instances', { processKey, businessKey: order, variables: { order } });
      expect({ status: res.status, body: res.status === 201 ? undefined : res.body }).toEqual({ status: 201, body: undefined });
      started[order] = res.body.id;
    }
    const orders = Object.keys(started);
    expect(Date.now()).toBeLessThan(Date.parse(fireAt)); // all were waiting before the timers came due
    const callsFor = (order: string) => carrier.requests.filter((r) => JSON.parse(r.body).order === order);

    // every timer has fired and its command is waiting for the carrier: the firing is in flight
    await until('the timers to fire and call the carrier', async () => orders.every((o) => carrier.held().some((r) => JSON.parse(r.body).order === o)));
    for (const o of orders) expect((await admin.get(`/api/instances/${started[o]}`)).body).toMatchObject({ status: 'waiting', tokens: ['wait'], error: null });
    await a.stop('SIGKILL');
    await until('the carrier to see the killed node hang up', async () => orders.every((o) => callsFor(o)[0].aborted));

    // a restarted node takes the timers over once the killed node's lease runs out; the carrier still holds
    const b = await nodes.start();
    const onB = await new ApiClient(b.url).login(ADMIN.email, ADMIN.password);
    const retried = ['T-1', 'T-2'];
    await until('the repeated calls', async () => retried.every((o) => callsFor(o).length === 2));
    // the second attempt was counted before it was made (the first one counted too although its node died)
    const db = await connectDatabase(nodes.uri);
    try {
      const counters = await db.collection<{ _id: string; attempts: number }>('attempts').find({ instanceId: { $in: retried.map((o) => started[o]) } }).toArray();
      expect(counters.map((c) => c.attempts)).toEqual([2, 2]);
    } finally {
      await db.close();
    }
    // the task allowed one attempt does not call again: its killed attempt was the one
    const incident = await until('the incident of the single-attempt task', async () => {
      const list = (await onB.get(`/api/incidents?instanceId=${started['T-ONCE']}`)).body as Array<{ instanceId: string; message: string; attempts: number; activityId: string }>;
      return list.find((i) => i.instanceId === started['T-ONCE']);
    });
    expect(incident).toMatchObject({ activityId: 'confirm', attempts: 2, message: expect.stringMatching(/no attempts left \(1 allowed\)/) });
    carrier.release();

    for (const o of retried) await until(`${o} to complete`, async () => (await onB.get(`/api/instances/${started[o]}`)).body.status === 'completed');
    for (const o of orders) {
      const history = (await onB.get(`/api/instances/${started[o]}/history`)).body as HistoryEntry[];
      const count = (type: string, elementId: string) => history.filter((h) => h.type === type && h.elementId === elementId).length;
      expect(count('timer.fired', 'wait')).toBe(1);
      expect(count('element.entered', 'confirm')).toBe(1);
      const calls = callsFor(o);
      // the same idempotency key on every call of one task: the carrier can tell a repeat from a new request
      expect(new Set(calls.map((c) => c.headers['idempotency-key'])).size).toBe(1);
      if (o === 'T-ONCE') {
        expect(calls).toHaveLength(1);
        expect(count('element.left', 'confirm')).toBe(0);
      } else {
        expect(calls).toHaveLength(2);
        expect(count('element.left', 'confirm')).toBe(1);
        expect(count('element.left', 'end')).toBe(1);
      }
    }
    // one instance per business key: nothing was started twice
    for (const o of orders) expect((await onB.get(`/api/instances?businessKey=${o}`)).body.total).toBe(1);
    expect((await onB.get(`/api/instances/${started['T-ONCE']}`)).body).toMatchObject({ status: 'running', incident: true });
  });
});
