import type { RunningOrdo } from '../../server/main';
import type { TaskEvent } from '../../server/contracts/realtime';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import { collect, connectSocket, nextEvent, type TestSocket } from '../helpers/sockets';
import { startRedis } from '../helpers/redis';

const task = (over: Partial<TaskEvent> = {}): TaskEvent => ({
  taskId: 't1',
  instanceId: 'i1',
  elementId: 'manualReview',
  name: 'Manual review',
  businessKey: 'SO-2026-000001',
  candidateGroups: ['reviewers'],
  candidateUsers: [],
  assignee: null,
  status: 'open',
  priority: 50,
  dueAt: null,
  at: new Date().toISOString(),
  ...over,
});

async function userWithGroups(ordo: RunningOrdo, email: string, groups: string[]): Promise<ApiClient> {
  const admin = await adminClient(ordo);
  const res = await admin.post('/api/users', { email, name: email, role: 'operator', groups, password: 'operator-pass-1' });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return new ApiClient(ordo.url).login(email, 'operator-pass-1');
}

describe('realtime: task events reach exactly the sockets that may see them', () => {
  let ordo: RunningOrdo;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'rt' });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await ordo.close();
  });

  it('refuses a socket without a session', async () => {
    await expect(connectSocket(ordo.url)).rejects.toThrow(/unauthenticated/);
  });

  it('given a signed-in user, when a page of another origin (a sibling host, another port) opens a socket with their cookie, then the handshake is refused; from Ordo’s own origin it connects', async () => {
    const admin = await adminClient(ordo);
    const own = new URL(ordo.url);
    for (const origin of ['https://shop.example.com', `http://${own.hostname}:${Number(own.port) + 1}`, 'null']) {
      await expect(connectSocket(ordo.url, admin, { origin })).rejects.toThrow();
    }
    const fromOwnPage = await connectSocket(ordo.url, admin, { origin: own.origin });
    sockets.push(fromOwnPage);
    expect(fromOwnPage.connected).toBe(true);
  });

  it('given two operators in different groups, when a reviewers task is created, then only the reviewer hears of it, and the admin does', async () => {
    const reviewer = await userWithGroups(ordo, 'rev@test.local', ['reviewers']);
    const packer = await userWithGroups(ordo, 'pack@test.local', ['warehouse']);
    const [rs, ps, as] = await Promise.all([connectSocket(ordo.url, reviewer), connectSocket(ordo.url, packer), connectSocket(ordo.url, await adminClient(ordo))]);
    sockets.push(rs, ps, as);
    const packerSaw = collect(ps, 'task.created');
    const got = nextEvent(rs, 'task.created');
    const adminGot = nextEvent(as, 'task.created');
    ordo.realtime.publishTask('task.created', task());
    expect((await got).taskId).toBe('t1');
    expect((await adminGot).taskId).toBe('t1');
    // a second event the packer may see proves the first one had time to arrive and did not
    const packerGot = nextEvent(ps, 'task.created');
    ordo.realtime.publishTask('task.created', task({ taskId: 't2', candidateGroups: ['warehouse'] }));
    expect((await packerGot).taskId).toBe('t2');
    expect(packerSaw.map((e) => e.taskId)).toEqual(['t2']);
  });

  it('refuses a forged join of another group’s room', async () => {
    const packer = await new ApiClient(ordo.url).login('pack@test.local', 'operator-pass-1');
    const ps = await connectSocket(ordo.url, packer);
    sockets.push(ps);
    const refused = await ps.emitWithAck('queue.join', 'group:reviewers');
    expect(refused).toEqual({ ok: false, error: 'forbidden' });
    const own = await ps.emitWithAck('queue.join', 'group:warehouse');
    expect(own).toEqual({ ok: true });
  });

  it('delivers a task to a candidate user by e-mail and to the assignee', async () => {
    const solo = await userWithGroups(ordo, 'solo@test.local', []);
    const ss = await connectSocket(ordo.url, solo);
    sockets.push(ss);
    const got = nextEvent(ss, 'task.claimed');
    ordo.realtime.publishTask('task.claimed', task({ taskId: 't3', candidateGroups: ['nobody'], assignee: 'solo@test.local', status: 'claimed' }));
    expect((await got).assignee).toBe('solo@test.local');
  });

  /**
   * A reviewer online with a recovery offset (one event received), then what `move` does to them;
   * afterwards the socket reconnects unrecovered and hears only the warehouse's events, none of the
   * reviewers' (not even those sent while it was away).
   */
  async function movedToWarehouse(email: string, move: (s: TestSocket, admin: ApiClient, userId: string) => Promise<void>): Promise<ApiClient> {
    const admin = await adminClient(ordo);
    const user = await userWithGroups(ordo, email, ['reviewers']);
    const id = (await admin.get('/api/users')).body.find((u: { email: string }) => u.email === email).id;
    const s = await connectSocket(ordo.url, user);
    sockets.push(s);
    const first = nextEvent(s, 'task.created');
    ordo.realtime.publishTask('task.created', task({ taskId: `${email}-before` }));
    expect((await first).taskId).toBe(`${email}-before`);
    const seen = collect(s, 'task.created');
    await move(s, admin, id);
    // sent while it is away: a recovered session would replay it
    ordo.realtime.publishTask('task.created', task({ taskId: 'while-away' }));
    const back = new Promise<boolean>((resolve) => s.once('connect', () => resolve(s.recovered)));
    s.connect();
    expect(await back).toBe(false);
    const warehouse = nextEvent(s, 'task.created');
    ordo.realtime.publishTask('task.created', task({ taskId: 'reviewers-after' }));
    ordo.realtime.publishTask('task.created', task({ taskId: 'warehouse-after', candidateGroups: ['warehouse'] }));
    expect((await warehouse).taskId).toBe('warehouse-after');
    expect(seen.map((e) => e.taskId)).toEqual(['warehouse-after']);
    return user;
  }

  it('given a reviewer moved to the warehouse group while online, then the socket is dropped, comes back into the warehouse rooms only, and no reviewers event reaches it', async () => {
    const mover = await movedToWarehouse('mover@test.local', async (s, admin, id) => {
      const dropped = new Promise<string>((resolve) => s.once('disconnect', (reason) => resolve(reason)));
      expect((await admin.patch(`/api/users/${id}`, { groups: ['warehouse'] })).status).toBe(200);
      expect(await dropped).toBe('io server disconnect');
    });
    // the session itself lives on: a groups change is no sign-out
    expect((await mover.get('/api/auth/me')).status).toBe(200);
  });

  it('given a reviewer whose connection dropped, when an admin moves them to the warehouse meanwhile, then the reconnect is not recovered into the old rooms and replays nothing of them', async () => {
    await movedToWarehouse('roamer@test.local', async (s, admin, id) => {
      const dropped = new Promise((resolve) => s.once('disconnect', resolve));
      // a network failure, not a deliberate disconnect: the server keeps the session for recovery
      (s.io.engine as unknown as { close(): void }).close();
      await dropped;
      expect((await admin.patch(`/api/users/${id}`, { groups: ['warehouse'] })).status).toBe(200);
    });
  });

  it('given a reviewer whose connection dropped and whose access did not change, then the reconnect recovers and replays what was missed', async () => {
    const steady = await userWithGroups(ordo, 'steady@test.local', ['reviewers']);
    const ss = await connectSocket(ordo.url, steady);
    sockets.push(ss);
    const first = nextEvent(ss, 'task.created');
    ordo.realtime.publishTask('task.created', task({ taskId: 'steady-1' }));
    await first;
    const dropped = new Promise((resolve) => ss.once('disconnect', resolve));
    (ss.io.engine as unknown as { close(): void }).close();
    await dropped;
    ordo.realtime.publishTask('task.created', task({ taskId: 'steady-missed' }));
    const missed = nextEvent(ss, 'task.created');
    const back = new Promise<boolean>((resolve) => ss.once('connect', () => resolve(ss.recovered)));
    ss.connect();
    expect(await back).toBe(true);
    expect((await missed).taskId).toBe('steady-missed');
  });
});

describe('realtime across two server nodes through Redis', () => {
  it('given two nodes on one database and one Redis, when node A publishes, then a browser on node B receives it', async () => {
    const redis = await startRedis();
    const a = await startTestOrdo({ label: 'rt2', env: { REDIS_URL: redis.url } });
    const b = await startTestOrdo({ label: 'rt2b', env: { REDIS_URL: redis.url, MONGODB_URI: a.config.mongodbUri! } });
    try {
      const admin = await adminClient(a);
      await admin.post('/api/users', { email: 'rev2@test.local', name: 'Rev', role: 'operator', groups: ['reviewers'], password: 'operator-pass-1' });
      const onB = await new ApiClient(b.url).login('rev2@test.local', 'operator-pass-1');
      const socket = await connectSocket(b.url, onB);
      const got = nextEvent(socket, 'task.created', 10_000);
      // the adapter needs a moment to subscribe to the stream
      await new Promise((r) => setTimeout(r, 300));
      a.realtime.publishTask('task.created', task({ taskId: 'cross-node' }));
      expect((await got).taskId).toBe('cross-node');
      socket.close();
    } finally {
      await b.close();
      await a.close();
      await redis.stop();
    }
  });
});
