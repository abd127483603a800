/**
 * Two Ordo server processes (tests/helpers/child-ordo.ts: `node server/main.ts` each, one database,
 * one Debian redis-server, the Redis streams adapter between them): a task the runtime creates on
 * node A and a claim made through node A reach an operator whose socket.io client is connected to
 * node B, and only operators of the task's group.
 */
import { ADMIN, ApiClient } from '../helpers/server';
import { useCrashNodes, type ChildOrdo } from '../helpers/child-ordo';
import { collect, connectSocket, type TestSocket } from '../helpers/sockets';
import { startRedis } from '../helpers/redis';
import { eventFor, reviewOrder } from './tasks-live.fixtures';

jest.setTimeout(180_000);

describe('live task queues across two server processes through Redis', () => {
  const nodes = useCrashNodes('tasks_two_nodes');
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: ChildOrdo;
  let b: ChildOrdo;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    // nodes of one deployment share the database, Redis and the secret key (the helper's)
    a = await nodes.start({ REDIS_URL: redis.url });
    b = await nodes.start({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    // (useCrashNodes stops them too and drops the database; stopping twice is harmless)
    await b?.stop();
    await a?.stop();
    await redis?.stop();
  });

  it('given a reviewer connected to node B, when node A’s runtime creates a review task and a colleague claims it through node A, then node B’s socket hears both; a packer on node B hears neither', async () => {
    expect(a.proc.pid).not.toBe(b.proc.pid);
    expect(a.url).not.toBe(b.url);
    const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
    for (const [email, groups] of [['ann@test.local', ['reviewers']], ['bob@test.local', ['reviewers']], ['pia@test.local', ['warehouse']]] as const) {
      expect((await admin.post('/api/users', { email, name: email.split('@')[0], role: 'operator', groups, password: 'operator-pass-1' })).status).toBe(201);
    }
    const ann = await new ApiClient(a.url).login('ann@test.local', 'operator-pass-1');
    // sessions live in the shared database: sign in on node B
    const bobOnB = await new ApiClient(b.url).login('bob@test.local', 'operator-pass-1');
    const piaOnB = await new ApiClient(b.url).login('pia@test.local', 'operator-pass-1');
    const [bs, ps] = await Promise.all([connectSocket(b.url, bobOnB), connectSocket(b.url, piaOnB)]);
    sockets.push(bs, ps);
    const packerSaw = collect(ps, 'task.created');

    const created = eventFor(bs, 'task.created', (e) => e.elementId === 'manualReview', 90_000);
    const placed = await admin.post('/api/orders', reviewOrder());
    expect(placed.status).toBe(201);
    const number = placed.body.number as string;
    const e = await created;
    expect(e).toMatchObject({ businessKey: number, status: 'open', candidateGroups: ['reviewers'] });
    expect(e.fields?.sku).toBe('CHAIR-OAK, LAMP-STEEL');

    // the flow may run on either node; the claim's event is surely raised on node A, where it is made
    const claimed = eventFor(bs, 'task.claimed', (x) => x.taskId === e.taskId);
    expect((await ann.post(`/api/tasks/${encodeURIComponent(e.taskId)}/claim`)).status).toBe(200);
    expect(await claimed).toMatchObject({ taskId: e.taskId, assignee: 'ann@test.local', status: 'claimed' });
    // Bob's inbox on node B agrees
    expect((await bobOnB.get('/api/inbox/tasks?queue=groups')).body.counts.groups).toBe(0);
    expect(packerSaw.filter((x) => x.businessKey === number)).toEqual([]);
  });
});
