/**
 * Shared by the live task API tests and the tasks e2e test: orders that the shipped order-fulfilment
 * flow sends to manual review (the customer's available credit at the reference ERP is too low),
 * and operators by group.
 */
import type { RunningOrdo } from '../../server/main';
import type { TaskEvent } from '../../server/contracts/realtime';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { TestSocket } from '../helpers/sockets';

export interface OrderLook {
  customer?: string;
  company?: string;
  chairs?: number;
}

/** Northwind Trading (C-1002) has 500 EUR of credit left: any order above that goes to a reviewer. */
export const reviewOrder = (look: OrderLook = {}) => ({
  customer: { id: 'C-1002', name: look.customer ?? 'Li Wei', company: look.company ?? 'Northwind 贸易', email: 'li.wei@northwind.example' },
  shippingAddress: { name: look.customer ?? 'Li Wei', line1: '88 Nanjing Rd', city: 'Shanghai', postcode: '200001', country: 'CN' },
  lines: [
    { sku: 'CHAIR-OAK', name: 'Oak chair', quantity: look.chairs ?? 8, unitPrice: 89 },
    { sku: 'LAMP-STEEL', name: 'Steel desk lamp', quantity: 2, unitPrice: 39.5 },
  ],
  currency: 'EUR',
});

export async function operator(ordo: RunningOrdo, email: string, groups: string[]): Promise<ApiClient> {
  const admin = await adminClient(ordo);
  const res = await admin.post('/api/users', { email, name: email.split('@')[0], role: 'operator', groups, password: 'operator-pass-1' });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return new ApiClient(ordo.url).login(email, 'operator-pass-1');
}

/** Places an order through the real intake; its flow starts on its own. */
export async function placeOrder(admin: ApiClient, look: OrderLook = {}): Promise<string> {
  const created = await admin.post('/api/orders', reviewOrder(look));
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return created.body.number as string;
}

/** Polls until `probe` gives a value (the flow runs asynchronously after intake). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The order's task at `activityId` once its flow got there (as the admin sees it). */
export function taskOf(admin: ApiClient, number: string, activityId: string, status = 'open') {
  return eventually(async () => {
    const res = await admin.get(`/api/tasks?queue=all&status=${status}&businessKey=${number}`);
    return (res.body.items as Array<{ id: string; activityId: string; instanceId: string }>).find((t) => t.activityId === activityId);
  }, `${number} at ${activityId} (${status})`);
}

/** The next event of that name that matches (other orders' flows run meanwhile). */
export function eventFor(socket: TestSocket, name: 'task.created' | 'task.claimed' | 'task.completed', match: (e: TaskEvent) => boolean, ms = 45_000): Promise<TaskEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching ${name} within ${ms} ms`)), ms);
    const on = (e: TaskEvent) => {
      if (!match(e)) return;
      clearTimeout(timer);
      socket.off(name, on);
      resolve(e);
    };
    socket.on(name, on);
  });
}

export interface ReviewDesk {
  ordo: RunningOrdo;
  admin: ApiClient;
  /** reviewers */
  ann: ApiClient;
  bob: ApiClient;
  /** a packer (warehouse), who may not see review tasks */
  pia: ApiClient;
  /** closed after the file */
  sockets: TestSocket[];
}

/** A test Ordo of this file with two reviewers and a packer signed in; filled in beforeAll, closed in afterAll. */
export function useReviewDesk(label: string): ReviewDesk {
  const desk = { sockets: [] as TestSocket[] } as unknown as ReviewDesk;
  beforeAll(async () => {
    desk.ordo = await startTestOrdo({ label });
    desk.admin = await adminClient(desk.ordo);
    desk.ann = await operator(desk.ordo, 'ann@test.local', ['reviewers']);
    desk.bob = await operator(desk.ordo, 'bob@test.local', ['reviewers']);
    desk.pia = await operator(desk.ordo, 'pia@test.local', ['warehouse']);
  });
  afterAll(async () => {
    desk.sockets.forEach((s) => s.close());
    await desk.ordo?.close();
  });
  return desk;
}
