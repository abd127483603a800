/**
 * The live task queues over real HTTP and real sockets: the runtime's task events reach exactly the
 * operators who may see them (with the order's fields for the inbox columns), the inbox read model
 * lists queues with counts, comments, scan look-ups, the CSP-safe form validator module, SLA
 * warnings once per level, and a socket that reconnects catches up on what it missed.
 */
import type { RunningOrdo } from '../../server/main';
import type { InboxListDto, ScanResultDto } from '../../server/contracts/inbox';
import { SlaWatch } from '../../server/realtime/sla-watch';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import { collect, connectSocket, nextEvent, type TestSocket } from '../helpers/sockets';

export const INBOX_PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="inbox-check" name="Inbox check" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="Review manually" camunda:candidateGroups="reviewers" camunda:formKey="manual-review" camunda:dueDate="PT4H" camunda:priority="70" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="confirm" />
    <bpmn:userTask id="confirm" name="Pack order" camunda:candidateGroups="reviewers" camunda:formKey="pack-order" camunda:priority="40" />
    <bpmn:sequenceFlow id="f3" sourceRef="confirm" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

export const order = (sku: string) => ({
  customer: { name: 'Li Wei', company: 'Acme 贸易', email: 'li.wei@acme.example' },
  shippingAddress: { name: 'Li Wei', line1: '88 Nanjing Rd', city: 'Shanghai', postcode: '200001', country: 'CN' },
  lines: [
    { sku, name: 'Widget', quantity: 3, unitPrice: 12.5 },
    { sku: 'BOLT-9', name: 'Bolt', quantity: 10, unitPrice: 0.4 },
  ],
  currency: 'CNY',
});

export async function operator(ordo: RunningOrdo, email: string, groups: string[]): Promise<ApiClient> {
  const admin = await adminClient(ordo);
  const res = await admin.post('/api/users', { email, name: email.split('@')[0], role: 'operator', groups, password: 'operator-pass-1' });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return new ApiClient(ordo.url).login(email, 'operator-pass-1');
}

/** An order through the real intake, then an instance of the test process for it (the business key is the order number). */
export async function taskForNewOrder(admin: ApiClient, sku: string): Promise<{ number: string; instanceId: string }> {
  const created = await admin.post('/api/orders', order(sku));
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const number = created.body.number as string;
  const inst = await admin.post('/api/instances', { processKey: 'inbox-check', businessKey: number, variables: { orderId: number } });
  if (inst.status !== 201) throw new Error(JSON.stringify(inst.body));
  return { number, instanceId: inst.body.id };
}

describe('live task queues: events, inbox read model, comments, scan, SLA, catch-up', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let ann: ApiClient;
  let bob: ApiClient;
  let pia: ApiClient;
  const sockets: TestSocket[] = [];
  let number: string;
  let taskId: string;

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'tasks_live' });
    admin = await adminClient(ordo);
    const deployed = await admin.post('/api/workflows', { xml: INBOX_PROCESS });
    if (deployed.status !== 201) throw new Error(JSON.stringify(deployed.body));
    ann = await operator(ordo, 'ann@test.local', ['reviewers']);
    bob = await operator(ordo, 'bob@test.local', ['reviewers']);
    pia = await operator(ordo, 'pia@test.local', ['warehouse']);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await ordo?.close();
  });

  it('given two reviewers and a packer online, when an order’s flow reaches a review task, then both reviewers hear of it with the order’s fields and the packer does not', async () => {
    const [as, bs, ps] = await Promise.all([connectSocket(ordo.url, ann), connectSocket(ordo.url, bob), connectSocket(ordo.url, pia)]);
    sockets.push(as, bs, ps);
    const packerSaw = collect(ps, 'task.created');
    const annGot = nextEvent(as, 'task.created', 15_000);
    const bobGot = nextEvent(bs, 'task.created', 15_000);
    ({ number } = await taskForNewOrder(admin, 'WID-1'));
    const [ea, eb] = await Promise.all([annGot, bobGot]);
    taskId = ea.taskId;
    expect(eb.taskId).toBe(taskId);
    expect(ea).toMatchObject({ businessKey: number, elementId: 'review', name: 'Review manually', status: 'open', assignee: null, priority: 70, formKey: 'manual-review', noInput: false, candidateGroups: ['reviewers'] });
    expect(ea.fields).toEqual({ channel: 'phone', customer: 'Li Wei (Acme 贸易)', amount: expect.any(Number), currency: 'CNY', warehouse: null, sku: 'WID-1, BOLT-9', lines: 2, orderStatus: expect.any(String) });
    expect(Date.parse(ea.dueAt!) - Date.parse(ea.at)).toBeGreaterThan(3.9 * 3_600_000);
    expect(packerSaw).toEqual([]);
  });

  it('given the inbox read model, then each operator sees the task in the right queue with counts; the packer sees nothing and gets 404 for it', async () => {
    const groups = (await ann.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body;
    expect(groups.items.map((t) => [t.id, t.businessKey, t.noInput])).toEqual([[taskId, number, false]]);
    expect(groups.items[0].fields).toMatchObject({ channel: 'phone', sku: 'WID-1, BOLT-9' });
    expect(groups.counts).toEqual({ mine: 0, groups: 1, all: null });
    expect(Date.parse(groups.at)).toBeGreaterThan(0);
    expect((await pia.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.items).toEqual([]);
    expect((await pia.get(`/api/inbox/tasks/${encodeURIComponent(taskId)}/comments`)).status).toBe(404);
    expect((await ann.get('/api/inbox/tasks?queue=all')).status).toBe(403);
    expect((await admin.get<InboxListDto>('/api/inbox/tasks?queue=all')).body.counts.all).toBe(1);
    const bad = await ann.get('/api/inbox/tasks?queue=everything');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('query.queue');
  });

  it('given Ann claims it, then Bob hears who has it, his count drops, and Ann’s own queue holds it; a second claim gets 409', async () => {
    const [as, bs] = sockets;
    const bobHears = nextEvent(bs, 'task.claimed');
    const annHears = nextEvent(as, 'task.claimed');
    const claimed = await ann.post(`/api/tasks/${encodeURIComponent(taskId)}/claim`);
    expect(claimed.status).toBe(200);
    const e = await bobHears;
    expect(e).toMatchObject({ taskId, status: 'claimed', assignee: 'ann@test.local', by: 'ann@test.local' });
    expect(e.version).toBe((await annHears).version);
    expect((await bob.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.counts).toEqual({ mine: 0, groups: 0, all: null });
    const mine = (await ann.get<InboxListDto>('/api/inbox/tasks?queue=mine')).body;
    expect(mine.items.map((t) => [t.id, t.assignee, t.status])).toEqual([[taskId, 'ann@test.local', 'claimed']]);
    const again = await bob.post(`/api/tasks/${encodeURIComponent(taskId)}/claim`);
    expect(again.status).toBe(409);
    expect(again.body.detail ?? again.body.title).toMatch(/ann@test\.local/);
  });

  it('given comments, then colleagues who may see the task read them; an empty one is refused naming the field', async () => {
    const path = `/api/inbox/tasks/${encodeURIComponent(taskId)}/comments`;
    const posted = await ann.post(path, { text: 'Customer called: quantities are right.' });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ taskId, author: 'ann@test.local', text: 'Customer called: quantities are right.' });
    const read = await bob.get(path);
    expect(read.body.map((c: { text: string }) => c.text)).toEqual(['Customer called: quantities are right.']);
    const empty = await bob.post(path, { text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([{ path: 'text', message: 'must not be empty' }]);
    expect((await pia.post(path, { text: 'hi' })).status).toBe(404);
  });

  it('given a scanned order number, then the scan look-up finds its active task for reviewers and nothing for the packer', async () => {
    const forBob = (await bob.get<ScanResultDto>(`/api/inbox/scan/${number}`)).body;
    expect(forBob.tasks.map((t) => [t.id, t.status, t.assignee])).toEqual([[taskId, 'claimed', 'ann@test.local']]);
    expect((await pia.get<ScanResultDto>(`/api/inbox/scan/${number}`)).body.tasks).toEqual([]);
    expect((await bob.get('/api/inbox/scan/not-an-order')).status).toBe(400);
  });

  it('given the form’s validator module, then it is same-origin JavaScript compiled from the form, revalidated by ETag; an unknown form is 404', async () => {
    const res = await fetch(`${ordo.url}/api/inbox/forms/manual-review/validator.js`, { headers: { cookie: ann.cookieHeader! } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    const code = await res.text();
    expect(code).toContain('export default function formValidators(runtime)');
    expect(code).toContain('"approved"');
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${ordo.url}/api/inbox/forms/manual-review/validator.js`, { headers: { cookie: ann.cookieHeader!, 'if-none-match': etag } })).status).toBe(304);
    expect((await ann.get('/api/inbox/forms/nope/validator.js')).status).toBe(404);
    expect((await new ApiClient(ordo.url).get('/api/inbox/forms/manual-review/validator.js')).status).toBe(401);
  });

  it('given Ann completes with data that fails the form, then nothing is saved; with good data the task completes, Bob hears it, and the flow creates the next task', async () => {
    const [, bs] = sockets;
    const bad = await ann.post(`/api/tasks/${encodeURIComponent(taskId)}/complete`, { data: { approved: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('approved');
    const completed = nextEvent(bs, 'task.completed', 15_000);
    const next = nextEvent(bs, 'task.created', 15_000);
    const ok = await ann.post(`/api/tasks/${encodeURIComponent(taskId)}/complete`, { data: { approved: true, reviewNote: 'fine' } });
    expect(ok.status).toBe(200);
    expect(await completed).toMatchObject({ taskId, status: 'completed', by: 'ann@test.local' });
    const confirm = await next;
    expect(confirm).toMatchObject({ businessKey: number, elementId: 'confirm', formKey: 'pack-order', noInput: false, status: 'open' });
    expect((await ann.post(`/api/tasks/${encodeURIComponent(taskId)}/complete`, { data: { approved: true } })).status).toBe(409);
  });

  it('given tasks near or past their due date, then each SLA level is announced once, to the task’s rooms only', async () => {
    const [as, , ps] = sockets;
    const packerSaw = collect(ps, 'task.sla');
    const annSaw = collect(as, 'task.sla');
    const soon = new SlaWatch(ordo.connection, { realtime: ordo.realtime, logger: ordo.logger }, { soonMs: 5 * 3_600_000 });
    const later = new SlaWatch(ordo.connection, { realtime: ordo.realtime, logger: ordo.logger }, { clock: () => new Date(Date.now() + 5 * 3_600_000) });
    // the open review tasks of this test file: one per order started so far that still waits
    const { number: n2 } = await taskForNewOrder(admin, 'WID-2');
    const waiting = (await admin.get<InboxListDto>('/api/inbox/tasks?queue=all')).body.items.filter((t) => t.dueAt);
    expect(waiting.map((t) => t.businessKey)).toEqual([n2]);
    expect(await soon.tick()).toBe(1);
    expect(await soon.tick()).toBe(0);
    expect(await later.tick()).toBe(1);
    await nextEventOrSeen(annSaw, 2);
    expect(annSaw.map((e) => [e.taskId, e.level])).toEqual([
      [waiting[0].id, 'soon'],
      [waiting[0].id, 'overdue'],
    ]);
    expect(packerSaw).toEqual([]);
  });

  it('given a socket that drops and comes back within the recovery window, then it is told it recovered and receives the events it missed (otherwise the inbox refetches)', async () => {
    const s = await connectSocket(ordo.url, bob);
    sockets.push(s);
    // recovery resumes after the last event the client received: it needs one to start from
    const first = nextEvent(s, 'task.created', 15_000);
    await taskForNewOrder(admin, 'WID-4');
    await first;
    const dropped = new Promise((resolve) => s.once('disconnect', resolve));
    // drop the transport as a network failure would (a deliberate disconnect would end the session)
    (s.io.engine as unknown as { close(): void }).close();
    await dropped;
    const missed = nextEvent(s, 'task.created', 15_000);
    await taskForNewOrder(admin, 'WID-3');
    await new Promise((r) => setTimeout(r, 300));
    const reconnected = new Promise<boolean>((resolve) => s.once('connect', () => resolve(s.recovered)));
    s.connect();
    expect(await reconnected).toBe(true);
    expect((await missed).fields?.sku).toBe('WID-3, BOLT-9');
  });
});

async function nextEventOrSeen(list: unknown[], n: number, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (list.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}
