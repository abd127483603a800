/**
 * Database outage: stop the database under a running Ordo, requests fail fast with 503 and a clear
 * message, nothing is half-written, and service resumes by itself when the database is back. Under
 * load: orders keep arriving and flows are running when the database stops; afterwards every order
 * in the database (each accepted one among them) completes its flow with one instance, and the
 * background workers (flow starter, job poller) carry on without a restart.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { RunningOrdo } from '../../server/main';
import { databaseUp } from '../../server/db/connection';
import { orderInstanceId } from '../../server/orders/flow-runtime';
import { ensureFerretdbBinary, freePort, startFerretdb, type EmbeddedDatabase } from '../../server/db/ferretdb';
import { until } from '../helpers/child-ordo';
import { ApiClient, adminClient, startTestOrdo, type ApiResponse } from '../helpers/server';

// the flows of ~20 orders (rules, reference ERP calls, three prints each) on a shared machine, after an outage
jest.setTimeout(300_000);

const waitFor = async (check: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
};

// This suite always runs its own FerretDB (even with MONGODB_URI set): it stops and restarts it.
describe('database outage', () => {
  let db: EmbeddedDatabase;
  let ordo: RunningOrdo;
  let dir: string;
  let port: number;
  const binary = ensureFerretdbBinary({ explicit: process.env.FERRETDB_BIN });
  /**
   * The outage holds the database's port with a listener that drops every connection: left free,
   * another test's server could take it meanwhile and the restarted FerretDB could not listen there.
   */
  let placeholder: net.Server | undefined;
  const stopDatabase = async () => {
    await db.stop();
    placeholder = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => placeholder!.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  };
  const restartDatabase = async () => {
    await new Promise<void>((resolve) => placeholder!.close(() => resolve()));
    db = await startFerretdb({ dataDir: dir, binary, port });
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-outage-'));
    port = await freePort();
    db = await startFerretdb({ dataDir: dir, binary, port });
    // a command or flow start cut off by the outage cannot release its lease: a short one is taken over soon after
    ordo = await startTestOrdo({ label: 'outage', env: { MONGODB_URI: `mongodb://127.0.0.1:${port}/outage`, LEASE_MS: '5000' } });
  });
  afterAll(async () => {
    await ordo.close();
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('given the database stops, then requests answer 503 quickly, and after it restarts Ordo serves again by itself with nothing half-written', async () => {
    const admin = await adminClient(ordo);
    expect((await admin.get('/api/users')).status).toBe(200);

    await stopDatabase();
    // the driver notices within its heartbeat; from then on every API call is refused at once
    expect(await waitFor(async () => (await admin.get('/api/users')).status === 503, 15_000)).toBe(true);
    const during = await admin.post('/api/users', { email: 'outage@test.local', name: 'Outage', role: 'viewer', password: 'viewer-password-1' });
    expect(during.status).toBe(503);
    expect(during.body.title).toMatch(/database is not reachable/);
    expect(during.headers.get('retry-after')).toBe('5');
    expect((await new ApiClient(ordo.url).get('/readyz')).status).toBe(503);

    await restartDatabase();
    expect(await waitFor(async () => (await admin.get('/api/users')).status === 200, 30_000)).toBe(true);
    const users = await admin.get('/api/users');
    expect(users.body.some((u: { email: string }) => u.email === 'outage@test.local')).toBe(false);
    expect((await admin.post('/api/users', { email: 'after@test.local', name: 'After', role: 'viewer', password: 'viewer-password-1' })).status).toBe(201);
  });

  it('given orders arriving and flows running, when the database stops and restarts, then refusals are fast 503s, and every order written completes its flow once while the workers carry on by themselves', async () => {
    const admin = await adminClient(ordo);
    const key = (await admin.post('/api/api-keys', { name: 'shop', scopes: ['orders.write', 'orders.read'] })).body.key as string;
    const shop = new ApiClient(ordo.url, key);
    await admin.post('/api/users', { email: 'outage-packer@test.local', name: 'Packer', role: 'operator', groups: ['warehouse'], password: 'operator-pass-1' });
    const packer = await new ApiClient(ordo.url).login('outage-packer@test.local', 'operator-pass-1');
    // a timer that falls due during the outage: only the job poller fires it
    const timerFlow = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_outage" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="outage-timer" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT8S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

    interface Sent {
      externalId: string;
      startedAt: number;
      ms: number;
      res: ApiResponse;
    }
    expect((await admin.post('/api/workflows', { xml: timerFlow })).status).toBe(201);
    const sent: Sent[] = [];
    let seq = 0;
    const post = async (): Promise<Sent> => {
      const externalId = `OUTAGE-${++seq}`;
      const order = {
        externalId,
        customer: { id: 'C-1001', name: 'Acme Retail', email: 'buyer@acme.example' },
        shippingAddress: { line1: '1 Harbour Road', city: 'Rotterdam', postcode: '3011', country: 'NL' },
        currency: 'EUR',
        lines: [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 1, unitPrice: 89 }],
      };
      const startedAt = Date.now();
      // a request that never answers is recorded (and fails the run below) instead of stalling its lane
      const hung = new Promise<ApiResponse>((r) => setTimeout(() => r({ status: 0, headers: new Headers(), body: { title: 'no answer within 20 s' } }), 20_000).unref());
      const res = await Promise.race([shop.post('/api/orders', order, { 'idempotency-key': externalId.toLowerCase() }), hung]);
      const s = { externalId, startedAt, ms: Date.now() - startedAt, res };
      sent.push(s);
      return s;
    };
    const accepted = () => sent.filter((s) => s.res.status === 201);
    const refused = () => sent.filter((s) => s.res.status === 503);

    // a steady feed in two lanes for the whole test (the pause only paces it)
    let feeding = true;
    const lane = async () => {
      while (feeding) {
        await post();
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const lanes = [lane(), lane()];
    try {
      await until('the feed to be accepted', async () => accepted().length >= 4, 60_000);
      // a burst, so that flows are surely running when the database goes
      const burst = await Promise.all(Array.from({ length: 6 }, post));
      expect(burst.map((b) => b.res.status)).toEqual(Array(6).fill(201));
      const inFlight = await ordo.orders.collections.orders.countDocuments({ status: { $nin: ['printed', 'packed', 'shipped'] } });
      expect(inFlight).toBeGreaterThan(0);
      const timed = await admin.post('/api/instances', { processKey: 'outage-timer', businessKey: 'OUTAGE-TIMER' });
      expect(timed.status).toBe(201);
      const fireAt = (await ordo.workflows.rawInstance(timed.body.id))!.nextTimerAt!.getTime();

      const stoppedAt = Date.now();
      await stopDatabase();
      expect(Date.now()).toBeLessThan(fireAt); // the timer falls due during the outage
      // noticed: the connection gate refuses (a request already in flight may have been refused by the driver first)
      await until(
        'the outage to be noticed',
        async () => {
          if (refused().some((s) => /connection is down/.test(s.res.body.title))) return true;
          // should this time out: the gate's two inputs and what the requests since the stop got
          const answers = sent.filter((s) => s.startedAt + s.ms >= stoppedAt).slice(-6);
          throw new Error(JSON.stringify({ readyState: ordo.connection.readyState, gateOpen: databaseUp(ordo.connection), answers: answers.map((s) => ({ status: s.res.status, title: s.res.body?.title, ms: s.ms })) }));
        },
        30_000,
      );
      const noticedAt = Date.now();
      // keep sending for a while: every one is refused
      await until('refusals during the outage', async () => refused().filter((s) => s.startedAt >= noticedAt).length >= 10, 60_000);
      expect((await new ApiClient(ordo.url).get('/readyz')).status).toBe(503);
      // the timer fell due meanwhile; nothing could fire it
      await until('the timer to fall due', async () => Date.now() > fireAt + 1000, 15_000);

      await restartDatabase();
      const restartedAt = Date.now();
      await until(
        'orders to be accepted again',
        async () => {
          if (accepted().filter((s) => s.startedAt >= restartedAt).length >= 4) return true;
          // what the requests since the restart got, should this time out
          throw new Error(JSON.stringify(sent.filter((s) => s.startedAt >= restartedAt).slice(-5).map((s) => ({ status: s.res.status, title: s.res.body?.title, ms: s.ms }))));
        },
        90_000,
      );
      feeding = false;
      await Promise.all(lanes);

      // every answer was an acceptance or a refusal: no 500, no hang
      expect(sent.filter((s) => ![201, 503].includes(s.res.status)).map((s) => ({ id: s.externalId, status: s.res.status, body: s.res.body }))).toEqual([]);
      // refusals are clear and quick: once the outage is known, the connection gate refuses before any
      // database call (no wait for the driver's 3 s server selection); its message says the connection is down
      for (const r of refused()) {
        expect(r.res.body.title).toMatch(/database is not reachable/);
        expect(r.res.headers.get('retry-after')).toBe('5');
      }
      const known = refused().filter((s) => s.startedAt >= noticedAt && s.startedAt + s.ms < restartedAt);
      expect(known.length).toBeGreaterThanOrEqual(10);
      expect(known.filter((s) => !/connection is down/.test(s.res.body.title)).map((s) => s.res.body.title)).toEqual([]);

      // nothing half-written: every order in the database is an accepted one or a request cut off by the
      // outage (answered 503 after it was written), and each completes below; refusals once known wrote nothing
      const stored = await ordo.orders.collections.orders.find({}, { projection: { number: 1, externalId: 1 } }).toArray();
      const storedIds = new Set(stored.map((o) => o.externalId));
      const byExternalId = new Map(sent.map((s) => [s.externalId, s]));
      expect(stored.filter((o) => !byExternalId.has(o.externalId!)).map((o) => o.externalId)).toEqual([]);
      expect(accepted().filter((s) => !storedIds.has(s.externalId)).map((s) => s.externalId)).toEqual([]);
      expect(known.filter((s) => storedIds.has(s.externalId)).map((s) => s.externalId)).toEqual([]);
      const numbers = stored.map((o) => o.number);
      expect(numbers.length).toBeGreaterThanOrEqual(accepted().length);
      for (const s of accepted()) expect(numbers).toContain(s.res.body.number);

      // the job poller fired the timer that fell due during the outage, once
      await until('the timer instance to complete', async () => (await admin.get(`/api/instances/${timed.body.id}`)).body.status === 'completed', 60_000);
      const history = (await admin.get(`/api/instances/${timed.body.id}/history`)).body as Array<{ type: string }>;
      expect(history.filter((h) => h.type === 'timer.fired')).toHaveLength(1);

      // the flow starter and the poller finish every flow: each order waits at its packing task, exactly once
      const packTasks = async () => {
        const res = await packer.get('/api/tasks?queue=groups&limit=500');
        return ((res.body.items ?? res.body) as Array<{ id: string; activityId: string; businessKey: string; status: string }>).filter((t) => t.activityId === 'pack' && numbers.includes(t.businessKey));
      };
      // should the wait below time out: the orders without a packing task, their instances and jobs, and what this node is doing
      const explain = async () => {
        const packed = new Set((await packTasks().catch(() => [])).map((t) => t.businessKey));
        const orders = await ordo.orders.collections.orders.find({ number: { $in: numbers.filter((n) => !packed.has(n)) } }, { projection: { number: 1, status: 1, flow: 1 } }).toArray();
        const detail = await Promise.all(
          orders.map(async (o) => {
            const inst = await ordo.workflows.rawInstance(orderInstanceId(o.number));
            const jobs = await ordo.connection.collection('jobs').find({ instanceId: orderInstanceId(o.number) }, { projection: { kind: 1, dueAt: 1 } }).toArray();
            return { number: o.number, status: o.status, flow: o.flow, instance: inst && { status: inst.status, rev: inst.rev, tokens: inst.tokens, waits: inst.waits.map((w) => `${w.kind}:${w.activityId}`), parked: inst.parked.map((p) => `${p.reason}:${p.activityId}`) }, jobs };
          }),
        );
        return { missing: detail, node: ordo.workflows.activity() };
      };
      const tasks = await until('every order at its packing task', async () => {
        const t = await packTasks();
        return new Set(t.map((x) => x.businessKey)).size === numbers.length ? t : undefined;
      }, 180_000).catch(async (err) => {
        throw new Error(`${(err as Error).message}\n${JSON.stringify(await explain()).slice(0, 6000)}`);
      });
      expect(tasks).toHaveLength(numbers.length);
      for (const t of tasks) {
        expect((await packer.post(`/api/tasks/${encodeURIComponent(t.id)}/claim`)).status).toBe(200);
        expect((await packer.post(`/api/tasks/${encodeURIComponent(t.id)}/complete`, { data: { parcels: 1 } })).status).toBe(200);
      }
      for (const n of numbers) {
        await until(`${n} to ship`, async () => (await admin.get(`/api/orders/${n}`)).body.status === 'shipped', 120_000);
        const instances = await admin.get(`/api/instances?businessKey=${n}`);
        expect({ n, total: instances.body.total, status: instances.body.items[0]?.status }).toEqual({ n, total: 1, status: 'completed' });
      }
    } finally {
      feeding = false;
      await Promise.all(lanes);
    }
  });
});
