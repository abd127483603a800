import type { TaskEvent } from '../../server/contracts/realtime';
import { applySla, applyTaskEvent, DEPARTURE_MS, EMPTY_INBOX, fromEvent, mergeSnapshot, pruneDeparted, queueCounts, queueTasks, slaLevel, type InboxState, type Me } from './model';

const me: Me = { id: 'u1', email: 'ann@test.local', groups: ['reviewers'], seesAll: false };
const admin: Me = { id: 'u9', email: 'root@test.local', groups: [], seesAll: true };
const T0 = Date.parse('2026-01-10T10:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

const ev = (over: Partial<TaskEvent> = {}): TaskEvent => ({
  taskId: 't1',
  instanceId: 'i1',
  elementId: 'manualReview',
  name: 'Manual review',
  businessKey: 'SO-2026-000001',
  candidateGroups: ['reviewers'],
  candidateUsers: [],
  assignee: null,
  status: 'open',
  priority: 50,
  dueAt: null,
  at: iso(0),
  ...over,
});

const ids = (s: InboxState, q: 'mine' | 'groups' | 'all', who: Me, now: number) => queueTasks(s, q, who, now).map((t) => t.id);

describe('inbox model: queues and live events', () => {
  it('given a new task for my group, when it is created, then it is in my groups queue and counted', () => {
    const s = applyTaskEvent(EMPTY_INBOX, 'task.created', ev(), me, T0);
    expect(ids(s, 'groups', me, T0)).toEqual(['t1']);
    expect(ids(s, 'mine', me, T0)).toEqual([]);
    expect(queueCounts(s, me)).toEqual({ mine: 0, groups: 1, all: 0 });
    expect(queueCounts(s, admin).all).toBe(1);
  });

  it('given I claim it, then it moves to my tasks at once', () => {
    let s = applyTaskEvent(EMPTY_INBOX, 'task.created', ev(), me, T0);
    s = applyTaskEvent(s, 'task.claimed', ev({ status: 'claimed', assignee: me.email, at: iso(1000), by: me.email }), me, T0 + 1000);
    expect(ids(s, 'mine', me, T0 + 1000)).toEqual(['t1']);
    expect(ids(s, 'groups', me, T0 + 1000)).toEqual([]);
    expect(queueCounts(s, me)).toEqual({ mine: 1, groups: 0, all: 0 });
  });

  it('given someone else claims it, then it stays briefly showing who has it, is no longer counted, and then goes', () => {
    let s = applyTaskEvent(EMPTY_INBOX, 'task.created', ev(), me, T0);
    s = applyTaskEvent(s, 'task.claimed', ev({ status: 'claimed', assignee: 'bob@test.local', at: iso(1000), by: 'bob@test.local' }), me, T0 + 1000);
    const [row] = queueTasks(s, 'groups', me, T0 + 1000);
    expect(row.departed).toEqual({ at: T0 + 1000, by: 'bob@test.local', status: 'claimed' });
    expect(queueCounts(s, me).groups).toBe(0);
    expect(ids(s, 'groups', me, T0 + 1000 + DEPARTURE_MS)).toEqual([]);
    // the admin still sees it (all queue), with its assignee
    expect(queueTasks(s, 'all', admin, T0 + 10_000).map((t) => t.assignee)).toEqual(['bob@test.local']);
    // released again: back in the queue
    s = applyTaskEvent(s, 'task.unclaimed', ev({ status: 'open', assignee: null, at: iso(2000) }), me, T0 + 2000);
    expect(ids(s, 'groups', me, T0 + 20_000)).toEqual(['t1']);
  });

  it('given a completed task, then a late snapshot or a late event never brings it back', () => {
    let s = applyTaskEvent(EMPTY_INBOX, 'task.created', ev(), me, T0);
    s = applyTaskEvent(s, 'task.completed', ev({ status: 'completed', at: iso(5000), by: 'bob@test.local' }), me, T0 + 5000);
    s = applyTaskEvent(s, 'task.claimed', ev({ status: 'claimed', assignee: 'bob@test.local', at: iso(4000) }), me, T0 + 5001);
    expect(s.tasks.t1.status).toBe('completed');
    s = mergeSnapshot(s, [fromEvent(ev({ at: iso(0) }))], iso(3000), () => true);
    expect(s.tasks.t1.status).toBe('completed');
    expect(queueCounts(s, me).groups).toBe(0);
    s = pruneDeparted(s, T0 + 5000 + DEPARTURE_MS);
    expect(s.tasks.t1).toBeUndefined();
  });

  it('given a snapshot after a reconnect, then tasks it no longer lists are dropped unless an event is newer', () => {
    let s = applyTaskEvent(EMPTY_INBOX, 'task.created', ev({ taskId: 'a' }), me, T0);
    s = applyTaskEvent(s, 'task.created', ev({ taskId: 'b', at: iso(9000) }), me, T0 + 9000);
    s = mergeSnapshot(s, [fromEvent(ev({ taskId: 'c', at: iso(100) }))], iso(5000), () => true);
    expect(Object.keys(s.tasks).sort()).toEqual(['b', 'c']);
  });

  it('given events out of order, then the older one is ignored', () => {
    let s = applyTaskEvent(EMPTY_INBOX, 'task.claimed', ev({ status: 'claimed', assignee: me.email, at: iso(2000) }), me, T0);
    s = applyTaskEvent(s, 'task.created', ev({ at: iso(0) }), me, T0);
    expect(s.tasks.t1.status).toBe('claimed');
  });

  it('derives SLA levels from the due date and keeps the server’s escalation', () => {
    expect(slaLevel({ dueAt: iso(-1), sla: undefined }, T0)).toBe('overdue');
    expect(slaLevel({ dueAt: iso(30 * 60_000), sla: undefined }, T0)).toBe('soon');
    expect(slaLevel({ dueAt: iso(5 * 3_600_000), sla: undefined }, T0)).toBeUndefined();
    expect(slaLevel({ dueAt: iso(5 * 3_600_000), sla: 'escalated' }, T0)).toBe('escalated');
    const s = applySla(applyTaskEvent(EMPTY_INBOX, 'task.created', ev(), me, T0), { taskId: 't1', level: 'soon', dueAt: iso(600_000), at: iso(1) });
    expect(s.tasks.t1.sla).toBe('soon');
    expect(s.tasks.t1.dueAt).toBe(iso(600_000));
  });

  it('given a boundary timer escalated a task, then the flag survives later task events, due-date warnings and list snapshots', () => {
    const escalation = { at: iso(500), timer: 'Pick late', from: 'Pick order', interrupting: false };
    let s = applyTaskEvent(EMPTY_INBOX, 'task.created', ev({ dueAt: iso(3_600_000) }), me, T0);
    s = applySla(s, { taskId: 't1', level: 'escalated', dueAt: iso(3_600_000), at: iso(500), escalation });
    expect(s.tasks.t1.escalation).toEqual(escalation);
    s = applyTaskEvent(s, 'task.claimed', ev({ status: 'claimed', assignee: me.email, at: iso(1000), version: 2 }), me, T0 + 1000);
    s = applySla(s, { taskId: 't1', level: 'soon', dueAt: iso(3_600_000), at: iso(2000) });
    expect([s.tasks.t1.escalation, slaLevel(s.tasks.t1, T0 + 2000)]).toEqual([escalation, 'escalated']);
    const listed = { ...fromEvent(ev({ status: 'claimed', assignee: me.email, at: iso(3000), version: 2 })), at: iso(3000) };
    s = mergeSnapshot(s, [listed], iso(3000), () => true);
    expect(s.tasks.t1.escalation).toEqual(escalation);
  });
});
