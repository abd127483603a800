/**
 * A simulated order desk for the soak and cluster benches, over the public API only: a shop feeds
 * orders (POST /api/orders with an API key and an Idempotency-Key), reviewers and packers hear of
 * tasks on socket.io and claim / complete them over /api/tasks, and a tracker follows every order
 * to its end state on the shipped order-fulfilment flow (real review and allocation rules against
 * the reference ERP, real packing-slip printing).
 *
 * Every client fails over to another node when its node stops answering (as behind a load
 * balancer); sessions live in the database, so a cookie is valid on every node.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, TaskEvent } from '../../server/contracts/realtime';
import { BENCH_ADMIN, percentile, round } from './ordo';

type S = Socket<ServerToClientEvents, ClientToServerEvents>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/** What an order is meant to do on the reference flow, and the order status it must end in. */
export type OrderKind = 'auto' | 'manual' | 'manual-reject' | 'rejected';
const END_STATUS: Record<OrderKind, string> = { auto: 'shipped', manual: 'shipped', 'manual-reject': 'rejected', rejected: 'rejected' };
const END_STATUSES = new Set(['shipped', 'rejected', 'on-hold', 'cancelled']);

/** Acme (C-1001) has credit: a one-chair order is approved and allocated by the rules alone. */
function orderBody(kind: OrderKind, ref: string) {
  const address = { name: 'Bench Buyer', line1: '1 Harbour Road', city: 'Rotterdam', postcode: '3011', country: kind === 'rejected' ? 'IR' : 'NL' };
  if (kind === 'manual' || kind === 'manual-reject') {
    // Northwind (C-1002) has 500 EUR of credit left: 8 chairs go to a reviewer
    return {
      externalId: ref,
      customer: { id: 'C-1002', name: 'Li Wei', company: 'Northwind Trading', email: 'li.wei@northwind.example' },
      shippingAddress: address,
      currency: 'EUR',
      lines: [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 8, unitPrice: 89 }],
    };
  }
  return {
    externalId: ref,
    customer: { id: 'C-1001', name: 'Acme Retail', email: 'buyer@acme.example' },
    shippingAddress: address,
    currency: 'EUR',
    lines: [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 1, unitPrice: 89 }],
  };
}

/** The mix of a steady feed: i-th order → kind (deterministic, so runs compare). */
export function kindOf(i: number, mix: 'reference' | 'auto'): OrderKind {
  if (mix === 'auto') return 'auto';
  const k = i % 20;
  if (k < 12) return 'auto'; // 60 %
  if (k < 16) return 'manual'; // 20 %
  if (k < 17) return 'manual-reject'; // 5 %
  return 'rejected'; // 15 % (embargoed country: the review rules reject)
}

export interface Res<T = any> {
  status: number;
  body: T;
}

/** An HTTP client that prefers one node and fails over to the others on network errors. */
export class DeskClient {
  private cookie?: string;
  private csrf?: string;
  networkErrors = 0;
  constructor(
    readonly urls: string[],
    public prefer: number,
    private readonly apiKey?: string,
  ) {}

  async request<T = any>(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T> & { url: string }> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    if (this.apiKey) h.authorization = `Bearer ${this.apiKey}`;
    let last: unknown;
    for (let k = 0; k < this.urls.length; k++) {
      const i = (this.prefer + k) % this.urls.length;
      try {
        const res = await fetch(this.urls[i] + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
        const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('ordo_session='));
        if (setCookie) this.cookie = setCookie.split(';')[0];
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON */
        }
        if (k > 0) this.prefer = i; // stay on the node that answered
        return { status: res.status, body: parsed as T, url: this.urls[i] };
      } catch (err) {
        this.networkErrors++;
        last = err;
      }
    }
    throw new Error(`no node answered ${method} ${p}: ${(last as Error)?.message}`);
  }

  get cookieHeader() {
    return this.cookie;
  }
  get url() {
    return this.urls[this.prefer];
  }

  async login(email: string, password: string): Promise<this> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.request('POST', '/api/auth/login', { email, password });
      if (res.status === 200) break;
      // the per-address sign-in limit (30 a minute per node): wait instead of failing
      if (res.status !== 429 || attempt > 30) throw new Error(`login as ${email}: ${res.status} ${JSON.stringify(res.body)}`);
      await sleep(3000);
    }
    this.csrf = (await this.request<{ csrfToken: string }>('GET', '/api/auth/me')).body.csrfToken;
    return this;
  }
}

export interface Tracked {
  number: string;
  kind: OrderKind;
  node: string;
  acceptedAt: number;
  /** when the system last handed the order back (accepted, or a human step completed) */
  lastDoneAt: number;
  lastProgressAt: number;
  awaitingEnd: boolean;
  endAt?: number;
  endStatus?: string;
}

interface Stamp {
  t: number;
  ms: number;
}

/** Everything measured, with the time it happened (ms of performance.now()). */
export class Tracker {
  readonly orders = new Map<string, Tracked>();
  private readonly seenTasks = new Map<string, number>();
  readonly intake: Stamp[] = [];
  readonly steps: Stamp[] = [];
  readonly flows: Stamp[] = [];
  readonly errors: Array<{ t: number; what: string }> = [];
  intakeFailed = 0;
  socketMissed = 0;
  tasksDone = 0;
  /** after a node is killed: each order's first progress after that moment */
  private watchFrom?: number;
  readonly firstProgress = new Map<string, number>();

  /** starts recording, per order, the first progress after now */
  markKill(): number {
    this.watchFrom = now();
    this.firstProgress.clear();
    return this.watchFrom;
  }

  private progress(o: Tracked, t: number) {
    o.lastProgressAt = t;
    if (this.watchFrom !== undefined && t > this.watchFrom && !this.firstProgress.has(o.number)) this.firstProgress.set(o.number, t);
  }

  error(what: string) {
    this.errors.push({ t: now(), what });
  }

  accepted(number: string, kind: OrderKind, node: string, postedAt: number) {
    const t = now();
    this.intake.push({ t, ms: t - postedAt });
    this.orders.set(number, { number, kind, node, acceptedAt: t, lastDoneAt: t, lastProgressAt: t, awaitingEnd: kind === 'rejected' });
  }

  /** first sight of a task (socket or sweep): the system's step from the last hand-back to here */
  taskSeen(e: { taskId: string; businessKey?: string | null }, viaSocket: boolean): boolean {
    if (this.seenTasks.has(e.taskId)) return false;
    const t = now();
    this.seenTasks.set(e.taskId, t);
    if (!viaSocket) this.socketMissed++;
    const o = e.businessKey ? this.orders.get(e.businessKey) : undefined;
    if (o) {
      this.steps.push({ t, ms: t - o.lastDoneAt });
      this.progress(o, t);
    }
    return true;
  }

  taskCompleted(businessKey: string | null | undefined, elementId: string, approved: boolean) {
    this.tasksDone++;
    const o = businessKey ? this.orders.get(businessKey) : undefined;
    if (!o) return;
    const t = now();
    o.lastDoneAt = t;
    this.progress(o, t);
    if (elementId === 'pack' || (elementId === 'manualReview' && !approved)) o.awaitingEnd = true;
  }

  ended(o: Tracked, status: string) {
    const t = now();
    o.endAt = t;
    o.endStatus = status;
    this.progress(o, t);
    this.steps.push({ t, ms: t - o.lastDoneAt });
    this.flows.push({ t, ms: t - o.acceptedAt });
  }

  open(): Tracked[] {
    return [...this.orders.values()].filter((o) => o.endAt === undefined);
  }
}

/** Polls the orders whose flow has no human step left until they show an end status. */
export function watchEnds(tracker: Tracker, client: DeskClient, everyMs = 300): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const due = [...tracker.orders.values()].filter((o) => o.awaitingEnd && o.endAt === undefined);
      for (let i = 0; i < due.length; i += 8) {
        await Promise.all(
          due.slice(i, i + 8).map(async (o) => {
            try {
              const res = await client.request<{ status: string }>('GET', `/api/orders/${o.number}`);
              if (res.status === 200 && END_STATUSES.has(res.body.status)) tracker.ended(o, res.body.status);
              else if (res.status !== 200) tracker.error(`GET order ${res.status}`);
            } catch (err) {
              tracker.error(`GET order: ${(err as Error).message}`);
            }
          }),
        );
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** One simulated operator: a socket for task events, a sweep of the queues for anything missed. */
export class Operator {
  socket?: S;
  private readonly queue: TaskEvent[] = [];
  private busy = false;
  private stopped = false;
  private sweeper?: NodeJS.Timeout;
  constructor(
    readonly email: string,
    readonly elementId: 'manualReview' | 'pack',
    readonly index: number,
    readonly team: number,
    readonly client: DeskClient,
    private readonly tracker: Tracker,
    private readonly thinkMs: number,
  ) {}

  /** the task is this operator's to take first (others take it from the sweep if it stays open) */
  private mine(taskId: string) {
    let h = 0;
    for (const ch of taskId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return h % this.team === this.index;
  }

  async connect(): Promise<void> {
    for (let k = 0; k < this.client.urls.length && !this.stopped; k++) {
      const url = this.client.urls[(this.client.prefer + k) % this.client.urls.length];
      const s: S = io(url, { transports: ['websocket'], extraHeaders: { cookie: this.client.cookieHeader! }, reconnection: false, forceNew: true, timeout: 5000 });
      const ok = await new Promise<boolean>((resolve) => {
        s.once('connect', () => resolve(true));
        s.once('connect_error', () => resolve(false));
      });
      if (!ok) {
        s.close();
        continue;
      }
      this.socket = s;
      s.on('task.created', (e) => {
        if (e.elementId !== this.elementId || e.status !== 'open') return;
        this.tracker.taskSeen(e, true);
        if (this.mine(e.taskId)) this.enqueue(e);
      });
      s.on('disconnect', (reason) => {
        if (this.stopped || reason === 'io client disconnect') return;
        this.tracker.error(`socket ${this.email}: ${reason}`);
        // the node went away: reconnect to whichever node answers (as a browser behind a load balancer would)
        void sleep(500).then(() => this.connect());
      });
      return;
    }
    if (!this.stopped) {
      await sleep(1000);
      return this.connect();
    }
  }

  private enqueue(e: TaskEvent) {
    this.queue.push(e);
    void this.drain();
  }

  private async drain() {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.stopped) await this.work(this.queue.shift()!, true);
    } finally {
      this.busy = false;
    }
  }

  private data(businessKey: string | null | undefined): { data: Record<string, unknown>; approved: boolean } {
    if (this.elementId === 'pack') return { data: { parcels: 1, weightKg: 4.2 }, approved: true };
    const approved = this.tracker.orders.get(businessKey ?? '')?.kind !== 'manual-reject';
    return { data: { approved, reviewNote: approved ? 'credit agreed by phone' : 'declined' }, approved };
  }

  /** claim (unless already ours), then complete */
  private async work(t: { id?: string; taskId?: string; businessKey?: string | null }, claim: boolean) {
    const id = encodeURIComponent((t.taskId ?? t.id)!);
    try {
      if (claim) {
        const c = await this.client.request('POST', `/api/tasks/${id}/claim`, {});
        if (c.status === 409 || c.status === 404) return; // a colleague was faster
        if (c.status !== 200) return this.tracker.error(`claim ${c.status}`);
      }
      if (this.thinkMs) await sleep(this.thinkMs);
      const { data, approved } = this.data(t.businessKey);
      const done = await this.client.request('POST', `/api/tasks/${id}/complete`, { data });
      if (done.status === 200) this.tracker.taskCompleted(t.businessKey, this.elementId, approved);
      else if (done.status !== 409 && done.status !== 404) this.tracker.error(`complete ${done.status} ${JSON.stringify(done.body).slice(0, 200)}`);
    } catch (err) {
      this.tracker.error(`task: ${(err as Error).message}`);
    }
  }

  /** what an inbox refetch does: tasks I hold, and open tasks nobody took within a few seconds */
  private async sweep() {
    try {
      const mine = await this.client.request<{ items: Array<{ id: string; activityId: string; businessKey: string | null }> }>('GET', '/api/tasks?queue=mine&status=claimed&limit=100');
      for (const t of mine.body.items ?? []) if (t.activityId === this.elementId && !this.stopped) await this.work(t, false);
      const open = await this.client.request<{ items: Array<{ id: string; activityId: string; businessKey: string | null; createdAt: string }> }>('GET', '/api/tasks?queue=groups&status=open&limit=100');
      for (const t of open.body.items ?? []) {
        if (t.activityId !== this.elementId || this.stopped) continue;
        this.tracker.taskSeen({ taskId: t.id, businessKey: t.businessKey }, false);
        if (Date.now() - Date.parse(t.createdAt) > 5000) await this.work(t, true);
      }
    } catch (err) {
      this.tracker.error(`sweep: ${(err as Error).message}`);
    }
  }

  startSweeping(everyMs: number) {
    const tick = async () => {
      await this.sweep();
      if (!this.stopped) this.sweeper = setTimeout(() => void tick(), everyMs);
    };
    this.sweeper = setTimeout(() => void tick(), everyMs * (1 + this.index / this.team));
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.sweeper);
    this.socket?.close();
  }
}

export interface Desk {
  admin: DeskClient;
  shop: DeskClient[];
  operators: Operator[];
  tracker: Tracker;
  stop(): Promise<void>;
}

/** Signs in, makes the shop's API key and the operators, connects their sockets (spread over the nodes). */
export async function openDesk(urls: string[], opts: { reviewers: number; packers: number; thinkMs: number; sweepMs: number; runId: string }): Promise<Desk> {
  const tracker = new Tracker();
  const admin = await new DeskClient(urls, 0).login(BENCH_ADMIN.email, BENCH_ADMIN.password);
  const key = await admin.request<{ key: string }>('POST', '/api/api-keys', { name: `soak-${opts.runId}`, scopes: ['orders.write', 'orders.read'] });
  if (key.status !== 201) throw new Error(`api key: ${key.status} ${JSON.stringify(key.body)}`);
  const shop = urls.map((_, i) => new DeskClient(urls, i, key.body.key));
  const operators: Operator[] = [];
  const team = async (n: number, group: string, elementId: 'manualReview' | 'pack') => {
    for (let i = 0; i < n; i++) {
      const email = `${group}-${opts.runId}-${i}@bench.local`;
      const made = await admin.request('POST', '/api/users', { email, name: email, role: 'operator', groups: [group], password: 'bench-operator-1' });
      if (made.status !== 201) throw new Error(`user: ${made.status} ${JSON.stringify(made.body)}`);
      const client = await new DeskClient(urls, i % urls.length).login(email, 'bench-operator-1');
      operators.push(new Operator(email, elementId, i, n, client, tracker, opts.thinkMs));
    }
  };
  await team(opts.reviewers, 'reviewers', 'manualReview');
  await team(opts.packers, 'warehouse', 'pack');
  await Promise.all(operators.map((o) => o.connect()));
  operators.forEach((o) => o.startSweeping(opts.sweepMs));
  const ends = watchEnds(tracker, admin);
  return {
    admin,
    shop,
    operators,
    tracker,
    async stop() {
      operators.forEach((o) => o.stop());
      await ends.stop();
    },
  };
}

/** Places one order, retrying with the same Idempotency-Key (on any node) until it is accepted. */
export async function placeOrder(desk: Desk, i: number, kind: OrderKind, runId: string): Promise<string | undefined> {
  const ref = `SOAK-${runId}-${i}`;
  const client = desk.shop[i % desk.shop.length];
  const postedAt = now();
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      const res = await client.request<{ number: string }>('POST', '/api/orders', orderBody(kind, ref), { 'idempotency-key': ref });
      if (res.status === 201 || res.status === 200) {
        desk.tracker.accepted(res.body.number, kind, res.url, postedAt);
        return res.body.number;
      }
      desk.tracker.error(`POST order ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    } catch (err) {
      desk.tracker.error(`POST order: ${(err as Error).message}`);
    }
    await sleep(1000 * (attempt + 1));
  }
  desk.tracker.intakeFailed++;
  return undefined;
}

/** Feeds orders at a steady rate (open loop: a slow answer does not slow the feed) until `until()`. */
export async function feed(desk: Desk, opts: { ratePerS: number; until: () => boolean; mix: 'reference' | 'auto'; runId: string; from?: number }): Promise<number> {
  const start = now();
  const inFlight = new Set<Promise<unknown>>();
  let i = opts.from ?? 0;
  let k = 0;
  while (!opts.until()) {
    const due = start + (k * 1000) / opts.ratePerS;
    if (due > now()) await sleep(due - now());
    if (opts.until()) break;
    const p = placeOrder(desk, i, kindOf(i, opts.mix), opts.runId).finally(() => inFlight.delete(p));
    inFlight.add(p);
    i++;
    k++;
  }
  await Promise.all(inFlight);
  return i;
}

/**
 * Waits until every accepted order has reached an end status: at most `maxMs`, and no longer than
 * `stallMs` without any open order making progress (a stuck order does not hold the run forever).
 */
export async function drain(tracker: Tracker, maxMs: number, stallMs = maxMs): Promise<number> {
  const start = now();
  for (;;) {
    const open = tracker.open();
    if (!open.length || now() - start >= maxMs) break;
    const lastProgress = Math.max(start, ...open.map((o) => o.lastProgressAt));
    if (now() - lastProgress >= stallMs) break;
    await sleep(250);
  }
  return now() - start;
}

export interface Verdict {
  checked: number;
  completed: number;
  /** not at an end status and either its instance has ended or it made no progress for `stallMs` */
  lost: string[];
  /** not at an end status yet, but still moving when the drain bound was reached */
  unfinished: string[];
  wrongState: string[];
  duplicateInstances: string[];
  duplicateTasks: string[];
}

/** Asks the API about every accepted order: its end status, one instance completed, one task per step. */
export async function verify(tracker: Tracker, admin: DeskClient, stallMs = 120_000): Promise<Verdict> {
  const v: Verdict = { checked: 0, completed: 0, lost: [], unfinished: [], wrongState: [], duplicateInstances: [], duplicateTasks: [] };
  const all = [...tracker.orders.values()];
  for (let i = 0; i < all.length; i += 8) {
    await Promise.all(
      all.slice(i, i + 8).map(async (o) => {
        const order = await admin.request<{ status: string }>('GET', `/api/orders/${o.number}`);
        const inst = await admin.request<{ total: number; items: Array<{ status: string }> }>('GET', `/api/instances?businessKey=${o.number}`);
        const tasks = await admin.request<{ items: Array<{ activityId: string; status: string }> }>('GET', `/api/tasks?queue=all&businessKey=${o.number}&limit=50`);
        v.checked++;
        const status = order.body?.status;
        const instStatus = inst.body?.items?.[0]?.status;
        const what = `${o.number}(${o.kind}: order ${status}, instance ${instStatus})`;
        if (!END_STATUSES.has(status) || instStatus !== 'completed') {
          const moving = (instStatus === 'running' || instStatus === 'waiting') && now() - o.lastProgressAt < stallMs;
          (moving ? v.unfinished : v.lost).push(what);
        }
        else if (status !== END_STATUS[o.kind]) v.wrongState.push(`${o.number}(${o.kind}→${status})`);
        else v.completed++;
        if (inst.body?.total !== 1) v.duplicateInstances.push(`${o.number}×${inst.body?.total}`);
        const perStep = new Map<string, number>();
        for (const t of tasks.body?.items ?? []) if (t.status !== 'cancelled') perStep.set(t.activityId, (perStep.get(t.activityId) ?? 0) + 1);
        if ([...perStep.values()].some((n) => n > 1)) v.duplicateTasks.push(o.number);
      }),
    );
  }
  return v;
}

export const pct = (xs: Stamp[], p: number) =>
  round(
    percentile(
      xs.map((x) => x.ms).sort((a, b) => a - b),
      p,
    ),
    0,
  );
