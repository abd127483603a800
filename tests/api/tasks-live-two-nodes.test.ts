/**
 * Two server processes' worth of Ordo (two nodes in this process, one database, one Debian
 * redis-server): a task the runtime creates on node A and a claim made through node A reach an
 * operator whose socket is connected to node B, and only operators of the task's group.
 */
import crypto from 'node:crypto';
import type { RunningOrdo } from '../../server/main';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import { collect, connectSocket, type TestSocket } from '../helpers/sockets';
import { startRedis } from '../helpers/redis';
import { eventFor, operator, placeOrder } from './tasks-live.fixtures';

describe('live task queues across two nodes through Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: RunningOrdo;
  let b: RunningOrdo;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    // nodes of one deployment share the database, Redis and the secret key
    const env = { REDIS_URL: redis.url, SECRET_KEY: crypto.randomBytes(32).toString('hex') };
    a = await startTestOrdo({ label: 'tasks_two_nodes', env });
    b = await startTestOrdo({ label: 'tasks_two_nodes_b', env: { ...env, MONGODB_URI: a.config.mongodbUri! } });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('given a reviewer connected to node B, when node A’s runtime creates a review task and a colleague claims it through node A, then node B’s socket hears both; a packer on node B hears neither', async () => {
    const admin = await adminClient(a);
    const ann = await operator(a, 'ann@test.local', ['reviewers']);
    await operator(a, 'bob@test.local', ['reviewers']);
    await operator(a, 'pia@test.local', ['warehouse']);
    // sessions live in the shared database: sign in on node B
    const bobOnB = await new ApiClient(b.url).login('bob@test.local', 'operator-pass-1');
    const piaOnB = await new ApiClient(b.url).login('pia@test.local', 'operator-pass-1');
    const [bs, ps] = await Promise.all([connectSocket(b.url, bobOnB), connectSocket(b.url, piaOnB)]);
    sockets.push(bs, ps);
    const packerSaw = collect(ps, 'task.created');

    const created = eventFor(bs, 'task.created', (e) => e.elementId === 'manualReview');
    const number = await placeOrder(admin);
    const e = await created;
    expect(e).toMatchObject({ businessKey: number, status: 'open', candidateGroups: ['reviewers'] });
    expect(e.fields?.sku).toBe('CHAIR-OAK, LAMP-STEEL');

    const claimed = eventFor(bs, 'task.claimed', (x) => x.taskId === e.taskId);
    expect((await ann.post(`/api/tasks/${encodeURIComponent(e.taskId)}/claim`)).status).toBe(200);
    expect(await claimed).toMatchObject({ taskId: e.taskId, assignee: 'ann@test.local', status: 'claimed' });
    // Bob's inbox on node B agrees
    expect((await bobOnB.get('/api/inbox/tasks?queue=groups')).body.counts.groups).toBe(0);
    expect(packerSaw.filter((x) => x.businessKey === number)).toEqual([]);
  });
});
