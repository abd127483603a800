/**
 * Task actions on the shipped order-fulfilment flow's review task, over real HTTP: a caller who may
 * not see a task learns nothing of it whatever its state (404, not "claimed by …" or "completed");
 * unclaim; assign checks its target (exists, active, may see the task: 422 otherwise); the holder
 * delegates to an eligible colleague and is recorded as the owner.
 */
import type { TaskView } from '../../workflows/bpmn/views';
import { collect, connectSocket } from '../helpers/sockets';
import { eventually, operator, placeOrder, taskOf, useReviewDesk } from './tasks-live.fixtures';
import { claimEach } from '../../designer/tasks/bulk';

const url = (id: string, action: string) => `/api/tasks/${encodeURIComponent(id)}/${action}`;

describe('task actions: visibility before state, unclaim, assign, delegate', () => {
  const desk = useReviewDesk('tasks_actions');
  const { sockets } = desk;

  const reviewTask = async () => (await taskOf(desk.admin, await placeOrder(desk.admin), 'manualReview')).id;
  const history = async (instanceId: string) => (await desk.admin.get<Array<{ type: string; data: Record<string, unknown> | null; actor: { label: string } | null }>>(`/api/instances/${instanceId}/history`)).body;

  it('given a reviewers task, when a packer (not a candidate) claims it open, claimed or completed, then it is 404 each time and names nobody', async () => {
    const id = await reviewTask();
    const open = await desk.pia.post(url(id, 'claim'));
    expect(open.status).toBe(404);

    expect((await desk.ann.post(url(id, 'claim'))).status).toBe(200);
    const claimed = await desk.pia.post(url(id, 'claim'));
    expect(claimed.status).toBe(404);
    expect(JSON.stringify(claimed.body)).not.toMatch(/ann@test\.local|claimed/);
    expect((await desk.pia.post(url(id, 'unclaim'))).status).toBe(404);

    expect((await desk.ann.post(url(id, 'complete'), { data: { approved: true } })).status).toBe(200);
    const completed = await desk.pia.post(url(id, 'claim'));
    expect(completed.status).toBe(404);
    expect(JSON.stringify(completed.body)).not.toMatch(/completed/);
    // a candidate still learns why (the status is theirs to know)
    const late = await desk.bob.post(url(id, 'claim'));
    expect(late.status).toBe(409);
    expect(late.body.detail ?? late.body.message ?? JSON.stringify(late.body)).toMatch(/already completed/);
  });

  it('given Ann holds a task, when she unclaims it, then it is open again in the queue, Bob hears it and may claim it; unclaiming an open task is 409 and Bob cannot unclaim Ann’s', async () => {
    const id = await reviewTask();
    expect((await desk.ann.post(url(id, 'claim'))).status).toBe(200);
    expect((await desk.bob.post(url(id, 'unclaim'))).status).toBe(409);
    const bs = await connectSocket(desk.ordo.url, desk.bob);
    sockets.push(bs);
    const heard = collect(bs, 'task.unclaimed');
    const back = await desk.ann.post<TaskView>(url(id, 'unclaim'));
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id, status: 'open', claimedBy: null, assignee: null });
    await eventually(async () => (heard.some((e) => e.taskId === id) ? true : undefined), 'task.unclaimed on Bob’s socket', 5000);
    expect(heard.find((e) => e.taskId === id)).toMatchObject({ status: 'open', assignee: null, by: 'ann@test.local' });
    expect((await desk.bob.get('/api/tasks?queue=groups')).body.items.map((t: TaskView) => t.id)).toContain(id);
    expect((await desk.ann.post(url(id, 'unclaim'))).status).toBe(409);
    expect((await desk.bob.post(url(id, 'claim'))).status).toBe(200);
    const instanceId = (await desk.admin.get<TaskView>(`/api/tasks/${encodeURIComponent(id)}`)).body.instanceId;
    expect((await history(instanceId)).filter((h) => h.type.startsWith('task.') && h.type !== 'task.created').map((h) => [h.type, h.actor?.label])).toEqual([
      ['task.claimed', 'ann@test.local'],
      ['task.unclaimed', 'ann@test.local'],
      ['task.claimed', 'bob@test.local'],
    ]);
  });

  it('given an admin assigns, then the target must exist, be active and be a candidate (422 naming userId); a good target holds the task, finds it in their own queue and may complete it', async () => {
    const id = await reviewTask();
    const users = (await desk.admin.get<Array<{ id: string; email: string }>>('/api/users')).body;
    const idOf = (email: string) => users.find((u) => u.email === email)!.id;
    await operator(desk.ordo, 'gone@test.local', ['reviewers']);
    const goneId = (await desk.admin.get<Array<{ id: string; email: string }>>('/api/users')).body.find((u) => u.email === 'gone@test.local')!.id;
    expect((await desk.admin.patch(`/api/users/${goneId}`, { disabled: true })).status).toBe(200);

    for (const userId of ['nobody@test.local', '0123456789abcdef01234567', goneId, idOf('pia@test.local')]) {
      const refused = await desk.admin.post(url(id, 'assign'), { userId });
      expect([userId, refused.status]).toEqual([userId, 422]);
      expect(refused.body.errors?.[0]?.path).toBe('userId');
    }
    expect((await desk.admin.get<TaskView>(`/api/tasks/${encodeURIComponent(id)}`)).body).toMatchObject({ status: 'open', assignee: null });
    expect((await desk.ann.post(url(id, 'assign'), { userId: 'bob@test.local' })).status).toBe(403);

    const given = await desk.admin.post<TaskView>(url(id, 'assign'), { userId: 'bob@test.local' });
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({ status: 'claimed', claimedBy: idOf('bob@test.local'), claimedByLabel: 'bob@test.local', owner: null });
    expect((await desk.bob.get('/api/tasks?queue=mine')).body.items.map((t: TaskView) => t.id)).toContain(id);
    expect((await desk.ann.post(url(id, 'claim'))).status).toBe(409);
    expect((await desk.bob.post(url(id, 'complete'), { data: { approved: true } })).status).toBe(200);
  });

  it('given Ann holds a task, when she delegates it to Bob, then Bob holds it with Ann recorded as owner; she may not delegate it again, nor to a packer (422), nor an open task (409), and a packer cannot delegate it at all', async () => {
    const id = await reviewTask();
    expect((await desk.ann.post(url(id, 'delegate'), { userId: 'bob@test.local' })).status).toBe(409);
    expect((await desk.ann.post(url(id, 'claim'))).status).toBe(200);
    const toPacker = await desk.ann.post(url(id, 'delegate'), { userId: 'pia@test.local' });
    expect(toPacker.status).toBe(422);
    expect(toPacker.body.errors[0].path).toBe('userId');
    expect((await desk.pia.post(url(id, 'delegate'), { userId: 'pia@test.local' })).status).toBe(404);

    const bs = await connectSocket(desk.ordo.url, desk.bob);
    sockets.push(bs);
    const updates = collect(bs, 'task.updated');
    const delegated = await desk.ann.post<TaskView>(url(id, 'delegate'), { userId: 'bob@test.local' });
    expect(delegated.status).toBe(200);
    // Bob's inbox hears that the task is his now, and from whom
    await eventually(async () => (updates.some((e) => e.taskId === id) ? true : undefined), 'task.updated on Bob’s socket', 5000);
    expect(updates.find((e) => e.taskId === id)).toMatchObject({ status: 'claimed', by: 'ann@test.local' });
    expect(delegated.body).toMatchObject({ status: 'claimed', claimedByLabel: 'bob@test.local', owner: 'ann@test.local' });
    expect((await desk.bob.get('/api/tasks?queue=mine')).body.items.map((t: TaskView) => t.id)).toContain(id);
    // it is Bob's now: Ann cannot pass it on again
    const again = await desk.ann.post(url(id, 'delegate'), { userId: 'bob@test.local' });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toMatch(/bob@test\.local/);
    const assigned = (await history(delegated.body.instanceId)).filter((h) => h.type === 'task.assigned');
    expect(assigned.map((h) => [h.actor?.label, h.data])).toEqual([['ann@test.local', { taskId: id, to: 'bob@test.local', delegatedBy: 'ann@test.local', owner: 'ann@test.local' }]]);
    expect((await desk.bob.post(url(id, 'complete'), { data: { approved: true } })).status).toBe(200);
  });

  it('given Ann selects three open tasks and Bob claims one of them just before, when she bulk-claims (the inbox’s claimEach over the claim API), then two are hers and the third is reported and stays Bob’s', async () => {
    const ids = [await reviewTask(), await reviewTask(), await reviewTask()];
    expect((await desk.bob.post(url(ids[1], 'claim'))).status).toBe(200);
    const claimAs = (who: typeof desk.ann) => async (id: string) => {
      const res = await who.post<TaskView>(url(id, 'claim'));
      if (res.status !== 200) throw new Error(`${res.status}`);
      return res.body;
    };
    const result = await claimEach(ids.map((id) => ({ id })), claimAs(desk.ann));
    expect(result.claimed.map((t) => [t.id, t.claimedByLabel])).toEqual([
      [ids[0], 'ann@test.local'],
      [ids[2], 'ann@test.local'],
    ]);
    expect(result.failed).toEqual([{ id: ids[1] }]);
    const mine = (await desk.ann.get('/api/tasks?queue=mine')).body.items.map((t: TaskView) => t.id);
    expect(ids.filter((id) => mine.includes(id))).toEqual([ids[0], ids[2]]);
    expect((await desk.admin.get<TaskView>(`/api/tasks/${encodeURIComponent(ids[1])}`)).body.claimedByLabel).toBe('bob@test.local');
  });
});
