/**
 * Socket fan-out: a task event reaching 500 connected operators, on one node and across two nodes
 * through Redis; then 50 operators racing to claim 100 tasks over the API (double claims must be 0).
 * Options: --clients N (default 500), --events N (default 100).
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { RunningOrdo } from '../server/main';
import type { ServerToClientEvents, ClientToServerEvents, TaskEvent } from '../server/contracts/realtime';
import { ApiClient } from '../tests/helpers/server';
import { startRedis } from '../tests/helpers/redis';
import { BENCH_ADMIN, percentile, round, startBenchDatabase, startBenchOrdo, table } from './lib/ordo';
import { claimRace } from './lib/claim-race';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CLIENTS = arg('clients', 500);
const EVENTS = arg('events', 100);
const USERS = 10;

type S = Socket<ServerToClientEvents, ClientToServerEvents>;

async function operators(ordo: RunningOrdo, prefix: string): Promise<ApiClient[]> {
  const admin = await new ApiClient(ordo.url).login(BENCH_ADMIN.email, BENCH_ADMIN.password);
  const out: ApiClient[] = [];
  for (let i = 0; i < USERS; i++) {
    const email = `${prefix}${i}@bench.local`;
    await admin.post('/api/users', { email, name: email, role: 'operator', groups: ['pickers'], password: 'bench-operator-1' });
    out.push(await new ApiClient(ordo.url).login(email, 'bench-operator-1'));
  }
  return out;
}

async function connectAll(url: string, cookies: string[], n: number): Promise<S[]> {
  const sockets: S[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, (_, j) => {
      const s: S = io(url, { transports: ['websocket'], extraHeaders: { cookie: cookies[(i + j) % cookies.length] }, reconnection: false, forceNew: true });
      return new Promise<S>((resolve, reject) => {
        s.once('connect', () => resolve(s));
        s.once('connect_error', reject);
      });
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

/** Publishes EVENTS task events on `from`; every socket records the delay until it got each one. */
async function fanOut(from: RunningOrdo, sockets: S[]): Promise<{ p50: number; p99: number; delivered: number; expected: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const s of sockets) s.on('task.created', (e: TaskEvent) => latencies.push(performance.now() - sentAt.get(e.taskId)!));
  for (let k = 0; k < EVENTS; k++) {
    const taskId = `bench-${k}`;
    sentAt.set(taskId, performance.now());
    from.realtime.publishTask('task.created', {
      taskId, instanceId: 'bench', elementId: 'pick', name: 'Pick', businessKey: `SO-${k}`, candidateGroups: ['pickers'], candidateUsers: [], assignee: null,
      status: 'open', priority: 50, dueAt: null, at: new Date().toISOString(),
    });
    await new Promise((r) => setTimeout(r, 20));
  }
  const expected = EVENTS * sockets.length;
  const deadline = Date.now() + 30_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const s of sockets) s.off('task.created');
  latencies.sort((a, b) => a - b);
  return { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), delivered: latencies.length, expected };
}

async function main() {
  const db = await startBenchDatabase();
  const redis = await startRedis();
  const a = await startBenchOrdo(db.uri, { REDIS_URL: redis.url });
  const b = await startBenchOrdo(db.uri, { REDIS_URL: redis.url });
  try {
    const usersA = await operators(a, 'opa');
    // sessions live in the shared database, so the same cookies are valid on either node
    const cookies = usersA.map((u) => u.cookieHeader!);
    const socketsA = await connectAll(a.url, cookies, CLIENTS);
    await new Promise((r) => setTimeout(r, 500));
    const one = await fanOut(a, socketsA);
    socketsA.forEach((s) => s.close());

    const socketsB = await connectAll(b.url, cookies, CLIENTS);
    await new Promise((r) => setTimeout(r, 500));
    const two = await fanOut(a, socketsB);
    socketsB.forEach((s) => s.close());

    const race = await claimRace(a, usersA);

    console.log(`socket.io fan-out: ${EVENTS} task events to ${CLIENTS} clients in group "pickers"`);
    console.log(
      table([
        { path: 'one node', clients: CLIENTS, delivered: `${one.delivered}/${one.expected}`, p50_ms: one.p50, p99_ms: one.p99 },
        { path: 'node A → Redis → node B', clients: CLIENTS, delivered: `${two.delivered}/${two.expected}`, p50_ms: two.p50, p99_ms: two.p99 },
      ]),
    );
    console.log(race.summary);
    console.log(
      JSON.stringify({
        bench: 'sockets',
        clients: CLIENTS,
        p50_ms: one.p50,
        p99_ms: one.p99,
        two_node_p50_ms: two.p50,
        two_node_p99_ms: two.p99,
        delivered_ratio: round(one.delivered / one.expected, 4),
        claims_per_s: race.claimsPerS,
        double_claims: race.doubleClaims,
      }),
    );
  } finally {
    await b.close();
    await a.close();
    await redis.stop();
    await db.stop();
  }
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
