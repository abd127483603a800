/**
 * The live task queues over real HTTP and real sockets, on the shipped order-fulfilment flow: the
 * runtime's task events reach exactly the operators who may see them (with the order's fields for
 * the inbox columns), the inbox read model lists queues with counts, comments, scan look-ups, the
 * CSP-safe form validator module, SLA warnings once per level, and a socket that reconnects
 * catches up on what it missed.
 */
import type { RunningOrdo } from '../../server/main';
import type { InboxListDto, ScanResultDto } from '../../server/contracts/inbox';
import type { TaskEvent } from '../../server/contracts/realtime';
import { SlaWatch } from '../../server/realtime/sla-watch';
import { ApiClient } from '../helpers/server';
import { collect, connectSocket } from '../helpers/sockets';
import { eventFor, eventually, operator, placeOrder, taskOf, useReviewDesk } from './tasks-live.fixtures';

describe('live task queues: events, inbox read model, comments, scan, SLA, catch-up', () => {
  const desk = useReviewDesk('tasks_live');
  const { sockets } = desk;
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let ann: ApiClient;
  let bob: ApiClient;
  let pia: ApiClient;
  let packerSaw: TaskEvent[];
  let number: string;
  let taskId: string;
  beforeAll(() => {
    ({ ordo, admin, ann, bob, pia } = desk);
  });

  it('given two reviewers and a packer online, when an order’s flow reaches manual review, then both reviewers hear of it with the order’s fields and the packer does not', async () => {
    const [as, bs, ps] = await Promise.all([connectSocket(ordo.url, ann), connectSocket(ordo.url, bob), connectSocket(ordo.url, pia)]);
    sockets.push(as, bs, ps);
    packerSaw = collect(ps, 'task.created');
    const review = (e: TaskEvent) => e.elementId === 'manualReview';
    const annGot = eventFor(as, 'task.created', review);
    const bobGot = eventFor(bs, 'task.created', review);
    number = await placeOrder(admin);
    const [ea, eb] = await Promise.all([annGot, bobGot]);
    taskId = ea.taskId;
    expect(eb.taskId).toBe(taskId);
    expect(ea).toMatchObject({ businessKey: number, name: 'Review manually', status: 'open', assignee: null, priority: 70, formKey: 'manual-review', noInput: false, candidateGroups: ['reviewers'] });
    expect(ea.fields).toEqual({ channel: 'phone', customer: 'Li Wei (Northwind 贸易)', amount: expect.any(Number), currency: 'EUR', warehouse: null, sku: 'CHAIR-OAK, LAMP-STEEL', lines: 2, orderStatus: 'in-review' });
    expect(ea.fields!.amount).toBeGreaterThanOrEqual(791);
    expect(Date.parse(ea.dueAt!) - Date.parse(ea.at)).toBeGreaterThan(3.9 * 3_600_000);
    expect(packerSaw.filter((e) => e.businessKey === number)).toEqual([]);
  });

  it('given the inbox read model, then each operator sees the task in the right queue with counts; the packer sees nothing and gets 404 for it', async () => {
    const groups = (await ann.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body;
    expect(groups.items.map((t) => [t.id, t.businessKey, t.elementId, t.noInput])).toEqual([[taskId, number, 'manualReview', false]]);
    expect(groups.items[0].fields).toMatchObject({ channel: 'phone', sku: 'CHAIR-OAK, LAMP-STEEL', currency: 'EUR' });
    expect(groups.counts).toEqual({ mine: 0, groups: 1, all: null });
    expect(Date.parse(groups.at)).toBeGreaterThan(0);
    expect((await pia.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.items.filter((t) => t.businessKey === number)).toEqual([]);
    expect((await pia.get(`/api/inbox/tasks/${encodeURIComponent(taskId)}/comments`)).status).toBe(404);
    expect((await ann.get('/api/inbox/tasks?queue=all')).status).toBe(403);
    expect((await admin.get<InboxListDto>('/api/inbox/tasks?queue=all')).body.items.map((t) => t.id)).toContain(taskId);
    const bad = await ann.get('/api/inbox/tasks?queue=everything');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('query.queue');
  });

  it('given Ann claims it, then Bob hears who has it, his count drops, and Ann’s own queue holds it; a second claim gets 409 naming her', async () => {
    const [as, bs] = sockets;
    const bobHears = eventFor(bs, 'task.claimed', (e) => e.taskId === taskId);
    const annHears = eventFor(as, 'task.claimed', (e) => e.taskId === taskId);
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
    expect(JSON.stringify(again.body)).toMatch(/ann@test\.local/);
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

  it('given Ann completes with data that fails the form, then nothing is saved; with good data Bob hears it, the order moves on and the packer’s pack task arrives', async () => {
    const [, bs, ps] = sockets;
    const bad = await ann.post(`/api/tasks/${encodeURIComponent(taskId)}/complete`, { data: { approved: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('approved');
    const completed = eventFor(bs, 'task.completed', (e) => e.taskId === taskId);
    const pack = eventFor(ps, 'task.created', (e) => e.businessKey === number && e.elementId === 'pack', 60_000);
    const ok = await ann.post(`/api/tasks/${encodeURIComponent(taskId)}/complete`, { data: { approved: true, reviewNote: 'fine' } });
    expect(ok.status).toBe(200);
    expect(await completed).toMatchObject({ taskId, status: 'completed', by: 'ann@test.local' });
    const p = await pack;
    expect(p).toMatchObject({ formKey: 'pack-order', noInput: false, candidateGroups: ['warehouse'], status: 'open' });
    expect(p.fields).toMatchObject({ sku: 'CHAIR-OAK, LAMP-STEEL', orderStatus: 'printed' });
    expect((await admin.get(`/api/orders/${number}`)).body.status).toBe('printed');
    expect((await ann.post(`/api/tasks/${encodeURIComponent(taskId)}/complete`, { data: { approved: true } })).status).toBe(409);
  });

  it('given a task near and then past its due date, then each SLA level is announced once, to the task’s rooms only', async () => {
    const [as, bs] = sockets;
    const annSaw = collect(as, 'task.sla');
    const bobSaw = collect(bs, 'task.sla');
    const n2 = await placeOrder(admin, { customer: 'Zhang Min' });
    const review = await taskOf(admin, n2, 'manualReview');
    const outsider = await connectSocket(ordo.url, await operator(ordo, 'otto@test.local', ['accounts']));
    sockets.push(outsider);
    const outsiderSaw = collect(outsider, 'task.sla');
    const soon = new SlaWatch(ordo.connection, { realtime: ordo.realtime, logger: ordo.logger }, { soonMs: 5 * 3_600_000 });
    const later = new SlaWatch(ordo.connection, { realtime: ordo.realtime, logger: ordo.logger }, { clock: () => new Date(Date.now() + 5 * 3_600_000) });
    expect(await soon.tick()).toBe(1);
    expect(await soon.tick()).toBe(0);
    expect(await later.tick()).toBe(1);
    await eventually(async () => (annSaw.length >= 2 ? true : undefined), 'two SLA events', 5000);
    expect(annSaw.map((e) => [e.taskId, e.level])).toEqual([
      [review.id, 'soon'],
      [review.id, 'overdue'],
    ]);
    await eventually(async () => (bobSaw.length >= 2 ? true : undefined), 'Bob’s two SLA events', 5000);
    expect(bobSaw).toEqual(annSaw);
    expect(outsiderSaw).toEqual([]);
  });

  it('given a socket that drops and comes back within the recovery window, then it is told it recovered and receives the events it missed (otherwise the inbox refetches)', async () => {
    const s = await connectSocket(ordo.url, bob);
    sockets.push(s);
    // recovery resumes after the last event the client received: it needs one to start from
    const first = eventFor(s, 'task.created', (e) => e.elementId === 'manualReview');
    await placeOrder(admin, { customer: 'Chen Jie' });
    await first;
    const dropped = new Promise((resolve) => s.once('disconnect', resolve));
    // drop the transport as a network failure would (a deliberate disconnect would end the session)
    (s.io.engine as unknown as { close(): void }).close();
    await dropped;
    const missed = eventFor(s, 'task.created', (e) => e.fields?.customer === 'Olivia Chen (Northwind 贸易)');
    await placeOrder(admin, { customer: 'Olivia Chen' });
    await eventually(async () => ((await admin.get('/api/inbox/tasks?queue=all')).body.items.some((t: { fields: { customer?: string } }) => t.fields.customer?.startsWith('Olivia')) ? true : undefined), 'the missed task');
    const reconnected = new Promise<boolean>((resolve) => s.once('connect', () => resolve(s.recovered)));
    s.connect();
    expect(await reconnected).toBe(true);
    expect((await missed).elementId).toBe('manualReview');
  });
});
