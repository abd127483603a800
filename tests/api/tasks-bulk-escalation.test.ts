/**
 * Bulk complete and boundary-timer escalation over real HTTP and real sockets: the shipped
 * warehouse-pick flow's pick tasks (form pick-confirm needs no input) are completed in bulk with
 * progress on the caller's job room; a selection holding a task whose form needs input is refused
 * whole; a boundary timer on a user task (PT1S here) flags the task (non-interrupting) or the task
 * the flow moved to (interrupting), pushed live as task.sla 'escalated' to the rooms that may see
 * it and shown in the inbox rows.
 */
import type { RunningOrdo } from '../../server/main';
import type { BulkCompleteResultDto, InboxListDto } from '../../server/contracts/inbox';
import type { ProgressEvent, SlaEvent } from '../../server/contracts/realtime';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import { collect, connectSocket, type TestSocket } from '../helpers/sockets';
import { eventually, operator, placeOrder, taskOf } from './tasks-live.fixtures';
import { escalationFlow } from './tasks-escalation.fixtures';

const enc = encodeURIComponent;
const watchJob = (socket: TestSocket, jobId: string) => socket.emitWithAck('job.watch', jobId);

describe('bulk complete and boundary-timer escalation', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let pia: ApiClient;
  let ann: ApiClient;
  const sockets: TestSocket[] = [];
  const orders: string[] = [];

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'tasks_bulk' });
    admin = await adminClient(ordo);
    pia = await operator(ordo, 'pia@test.local', ['warehouse']);
    ann = await operator(ordo, 'ann@test.local', ['reviewers']);
    for (let i = 0; i < 3; i++) orders.push(await placeOrder(admin, { customer: `Pick ${i}`, chairs: 10 + i }));
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await ordo?.close();
  });

  const startPick = async (number: string) => {
    const res = await admin.post('/api/instances', { processKey: 'warehouse-pick', businessKey: number });
    expect(res.status).toBe(201);
    return taskOf(admin, number, 'pick');
  };

  it('given pick tasks of the shipped warehouse-pick flow, then their rows say the form needs no input; a review task’s does', async () => {
    const picks = await Promise.all(orders.map(startPick));
    const list = (await pia.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body;
    const rows = list.items.filter((t) => picks.some((p) => p.id === t.id));
    expect(rows.map((r) => [r.elementId, r.formKey, r.noInput, r.priority])).toEqual(picks.map(() => ['pick', 'pick-confirm', true, 60]));
    expect(rows[0].fields.sku).toBe('CHAIR-OAK, LAMP-STEEL');
    const review = await taskOf(admin, orders[0], 'manualReview');
    const reviews = (await admin.get<InboxListDto>('/api/inbox/tasks?queue=all')).body.items.filter((t) => t.id === review.id);
    expect(reviews.map((r) => r.noInput)).toEqual([false]);
  });

  it('given a selection with a task whose form has required fields, when bulk completed, then the server refuses it naming that task and completes nothing', async () => {
    const pick = await taskOf(admin, orders[0], 'pick');
    const review = await taskOf(admin, orders[0], 'manualReview');
    const res = await admin.post('/api/inbox/tasks/complete', { taskIds: [pick.id, review.id] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'taskIds.1', message: 'its form "manual-review" needs input: open the task and complete it there' }]);
    // the reviewer alone: the same
    const own = await ann.post('/api/inbox/tasks/complete', { taskIds: [review.id] });
    expect(own.status).toBe(400);
    expect(own.body.errors[0].path).toBe('taskIds.0');
    // a task the caller may not see is named without saying what it is
    const hidden = await pia.post('/api/inbox/tasks/complete', { taskIds: [pick.id, review.id] });
    expect(hidden.status).toBe(400);
    expect(hidden.body.errors).toEqual([{ path: 'taskIds.1', message: 'is not a task you may see' }]);
    expect((await admin.get(`/api/tasks/${enc(pick.id)}`)).body.status).toBe('open');
    expect((await admin.get(`/api/tasks/${enc(review.id)}`)).body.status).toBe('open');
    // malformed selections
    expect((await pia.post('/api/inbox/tasks/complete', { taskIds: [] })).body.errors[0].path).toBe('taskIds');
    expect((await pia.post('/api/inbox/tasks/complete', { taskIds: [pick.id, pick.id] })).body.errors[0]).toEqual({ path: 'taskIds', message: 'lists a task twice' });
    expect((await ann.post('/api/inbox/tasks/complete', { taskIds: [pick.id], extra: 1 })).status).toBe(400);
  });

  it('given three pick tasks selected, when the packer bulk completes them watching a job, then progress arrives 1, 2, 3 and every task and flow is completed', async () => {
    const picks = await Promise.all(orders.map((n) => taskOf(admin, n, 'pick')));
    const socket = await connectSocket(ordo.url, pia);
    sockets.push(socket);
    const jobId = 'bulk-test-1';
    expect(await watchJob(socket, jobId)).toEqual({ ok: true });
    const progress = collect(socket, 'progress');
    const res = await pia.post<BulkCompleteResultDto>('/api/inbox/tasks/complete', { taskIds: picks.map((p) => p.id), jobId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ total: 3, completed: picks.map((p) => p.id), failed: [] });
    await eventually(async () => (progress.some((p) => p.status === 'completed') ? true : undefined), 'the last progress event');
    expect(progress.map((p: ProgressEvent) => [p.kind, p.done, p.total, p.status])).toEqual([
      ['tasks', 0, 3, 'running'],
      ['tasks', 1, 3, 'running'],
      ['tasks', 2, 3, 'running'],
      ['tasks', 3, 3, 'completed'],
    ]);
    for (const p of picks) {
      const t = (await admin.get(`/api/tasks/${enc(p.id)}`)).body;
      expect([t.status, t.data, t.completedBy.label]).toEqual(['completed', {}, 'pia@test.local']);
      await eventually(async () => ((await admin.get(`/api/instances/${p.instanceId}`)).body.status === 'completed' ? true : undefined), 'the pick flow ends');
    }
    // a second bulk complete of the same tasks: each fails alone, nothing is completed twice
    const again = await pia.post<BulkCompleteResultDto>('/api/inbox/tasks/complete', { taskIds: [picks[0].id] });
    expect(again.status).toBe(200);
    expect(again.body.completed).toEqual([]);
    expect(again.body.failed).toEqual([{ taskId: picks[0].id, message: 'The task is already completed' }]);
  });

  it('given a non-interrupting PT1S timer on a user task, when it fires, then that task is flagged escalated live for its group (not for others) and in the inbox rows', async () => {
    expect((await admin.post('/api/workflows', { xml: escalationFlow('sla-flag', false) })).status).toBe(201);
    const [ps, as] = await Promise.all([connectSocket(ordo.url, pia), connectSocket(ordo.url, ann)]);
    sockets.push(ps, as);
    const piaSaw = collect(ps, 'task.sla');
    const annSaw = collect(as, 'task.sla');
    const started = await admin.post('/api/instances', { processKey: 'sla-flag', businessKey: orders[1] });
    expect(started.status).toBe(201);
    const task = (await taskOf(admin, orders[1], 'work')) as { id: string };
    const event = await eventually(async () => piaSaw.find((e: SlaEvent) => e.taskId === task.id), 'the escalation event');
    expect(event).toMatchObject({ level: 'escalated', escalation: { timer: 'Refund late', from: 'Approve refund', interrupting: false } });
    // the task stays open and is flagged in the inbox
    const rows = (await pia.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.items.filter((t) => t.id === task.id);
    expect(rows.map((r) => [r.status, r.escalation?.interrupting, r.escalation?.from])).toEqual([['open', false, 'Approve refund']]);
    expect(annSaw.filter((e) => e.taskId === task.id)).toEqual([]);
    // announced once, however many times the instance changes afterwards
    await ordo.workflows.setVariables(started.body.id, { touched: true }, { kind: 'user', id: null, label: 'test' });
    await eventually(async () => ((await admin.get(`/api/instances/${started.body.id}`)).body.variables.touched ? true : undefined), 'the variable change');
    expect(piaSaw.filter((e) => e.taskId === task.id)).toHaveLength(1);
  });

  it('given an interrupting PT1S timer, when it fires, then the task is cancelled and the task the flow moved to is flagged as escalated from it', async () => {
    expect((await admin.post('/api/workflows', { xml: escalationFlow('sla-reassign', true) })).status).toBe(201);
    const ps = await connectSocket(ordo.url, pia);
    sockets.push(ps);
    const piaSaw = collect(ps, 'task.sla');
    expect((await admin.post('/api/instances', { processKey: 'sla-reassign', businessKey: orders[2] })).status).toBe(201);
    const first = (await taskOf(admin, orders[2], 'work')) as { id: string };
    const next = (await taskOf(admin, orders[2], 'supervise')) as { id: string };
    const event = await eventually(async () => piaSaw.find((e: SlaEvent) => e.taskId === next.id), 'the escalation event');
    expect(event).toMatchObject({ level: 'escalated', escalation: { timer: 'Refund late', from: 'Approve refund', interrupting: true } });
    expect((await admin.get(`/api/tasks/${enc(first.id)}`)).body.status).toBe('cancelled');
    expect(piaSaw.filter((e) => e.taskId === first.id)).toEqual([]);
    const rows = (await admin.get<InboxListDto>('/api/inbox/tasks?queue=all')).body.items.filter((t) => t.id === next.id);
    expect(rows.map((r) => [r.name, r.priority, r.escalation?.interrupting])).toEqual([['Supervise late refund', 90, true]]);
  });
});
