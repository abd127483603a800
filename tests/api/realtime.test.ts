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
