/**
 * Socket fan-out to 500 connected operators, on one node and across two nodes through Redis:
 * - from a task being created: the bench asks for a new instance of a one-user-task process
 *   (POST /api/instances) and times from that request until each client has the `task.created`
 *   event (the runtime saves the task, the publisher adds the order columns, the gateway fans out);
 * - the gateway alone: task events handed straight to the gateway (the fan-out's own cost), next to
 *   a bare socket.io server emitting the same events to a room in the same run (vs_raw).
 * Then 50 operators race to claim 100 tasks over the API (double claims must be 0).
 * Options: --clients N (default 500), --events N (default 100), --tasks N (created tasks, default 50).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import type { RunningOrdo } from '../server/main';
import type { ServerToClientEvents, ClientToServerEvents, TaskEvent } from '../server/contracts/realtime';
import { ApiClient } from '../tests/helpers/server';
import { startRedis } from '../tests/helpers/redis';
import { BENCH_ADMIN, percentile, round, startBenchDatabase, startBenchOrdo, table } from './lib/ordo';
import { claimRace, oneTaskProcess } from './lib/claim-race';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CLIENTS = arg('clients', 500);
const EVENTS = arg('events', 100);
const TASKS = arg('tasks', 50);
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

/** Publishes EVENTS task events through `publish`; every socket records the delay until it got each one. */
async function fanOut(publish: (event: TaskEvent) => void, sockets: S[]): Promise<{ p50: number; p99: number; delivered: number; expected: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const s of sockets) s.on('task.created', (e: TaskEvent) => latencies.push(performance.now() - sentAt.get(e.taskId)!));
  for (let k = 0; k < EVENTS; k++) {
    const taskId = `bench-${k}`;
    sentAt.set(taskId, performance.now());
    publish({
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


/**
 * Starts TASKS instances of the one-task process through the API of `from`, 20 ms apart; every
 * socket records the delay from the start request to its `task.created` event.
 */
async function createdFanOut(admin: ApiClient, label: string, sockets: S[]): Promise<{ p50: number; p99: number; delivered: number; expected: number }> {
  const askedAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const s of sockets) s.on('task.created', (e: TaskEvent) => {
    const t0 = askedAt.get(e.businessKey ?? '');
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });
  for (let k = 0; k < TASKS; k++) {
    const businessKey = `FAN-${label}-${k}`;
    askedAt.set(businessKey, performance.now());
    const res = await admin.post('/api/instances', { processKey: 'bench-fanout', businessKey });
    if (res.status !== 201 && res.status !== 200) throw new Error(`start ${businessKey}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const expected = TASKS * sockets.length;
  const deadline = Date.now() + 60_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const s of sockets) s.off('task.created');
  latencies.sort((a, b) => a - b);
  return { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), delivered: latencies.length, expected };
}

/** The raw library in the same run: a bare socket.io server (no sessions, no rooms by group rights) fanning out the same events. */
async function rawFanOut(): Promise<{ p50: number; p99: number; delivered: number; expected: number }> {
  const server = http.createServer();
  const raw = new Server(server);
  raw.on('connection', (socket) => void socket.join('pickers'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const sockets = await connectAll(url, [''], CLIENTS);
    await new Promise((r) => setTimeout(r, 500));
    const result = await fanOut((event) => raw.to('pickers').emit('task.created', event), sockets);
    sockets.forEach((s) => s.close());
    return result;
  } finally {
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  }
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
    const admin = await new ApiClient(a.url).login(BENCH_ADMIN.email, BENCH_ADMIN.password);
    const deployed = await admin.post('/api/workflows', { xml: oneTaskProcess('bench-fanout', 'Fan-out') });
    if (deployed.status >= 300) throw new Error(`deploy: ${deployed.status} ${JSON.stringify(deployed.body).slice(0, 300)}`);

    const socketsA = await connectAll(a.url, cookies, CLIENTS);
    await new Promise((r) => setTimeout(r, 500));
    const createdOne = await createdFanOut(admin, 'a', socketsA);
    const one = await fanOut((e) => a.realtime.publishTask('task.created', e), socketsA);
    socketsA.forEach((s) => s.close());

    const socketsB = await connectAll(b.url, cookies, CLIENTS);
    await new Promise((r) => setTimeout(r, 500));
    const createdTwo = await createdFanOut(admin, 'b', socketsB);
    const two = await fanOut((e) => a.realtime.publishTask('task.created', e), socketsB);
    socketsB.forEach((s) => s.close());

    const raw = await rawFanOut();
    const race = await claimRace(a, usersA);

    console.log(`socket.io fan-out to ${CLIENTS} clients in group "pickers": ${TASKS} tasks created through the API, then ${EVENTS} events handed to the gateway`);
    console.log(
      table([
        { from: 'task created (POST /api/instances)', path: 'one node', delivered: `${createdOne.delivered}/${createdOne.expected}`, p50_ms: createdOne.p50, p99_ms: createdOne.p99 },
        { from: 'task created (POST /api/instances)', path: 'node A → Redis → node B', delivered: `${createdTwo.delivered}/${createdTwo.expected}`, p50_ms: createdTwo.p50, p99_ms: createdTwo.p99 },
        { from: 'event handed to the gateway', path: 'one node', delivered: `${one.delivered}/${one.expected}`, p50_ms: one.p50, p99_ms: one.p99 },
        { from: 'event handed to the gateway', path: 'node A → Redis → node B', delivered: `${two.delivered}/${two.expected}`, p50_ms: two.p50, p99_ms: two.p99 },
        { from: 'raw socket.io: io.to(room).emit', path: 'one server', delivered: `${raw.delivered}/${raw.expected}`, p50_ms: raw.p50, p99_ms: raw.p99 },
      ]),
    );
    console.log(race.summary);
    console.log(
      JSON.stringify({
        bench: 'sockets',
        clients: CLIENTS,
        p50_ms: createdOne.p50,
        p99_ms: createdOne.p99,
        two_node_p50_ms: createdTwo.p50,
        two_node_p99_ms: createdTwo.p99,
        created_delivered_ratio: round((createdOne.delivered + createdTwo.delivered) / (createdOne.expected + createdTwo.expected), 4),
        gateway_p50_ms: one.p50,
        gateway_p99_ms: one.p99,
        gateway_two_node_p50_ms: two.p50,
        gateway_two_node_p99_ms: two.p99,
        delivered_ratio: round(one.delivered / one.expected, 4),
        raw_p50_ms: raw.p50,
        raw_p99_ms: raw.p99,
        // fan-out throughput is the inverse of the delay: Ordo's gateway against bare socket.io
        vs_raw: round(raw.p50 / one.p50, 2),
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
