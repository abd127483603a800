/**
 * The inbox's view of tasks and how live events change it. Pure (no React, no I/O): the inbox page
 * keeps one InboxState, merges list snapshots from the API into it and applies socket events.
 * Queues are views over the same tasks, so counts and rows never disagree.
 */
import type { InboxTaskDto } from '../../server/contracts/inbox';
import { SLA_SOON_MS, type SlaEvent, type TaskEvent, type TaskEventName } from '../../server/contracts/realtime';

/** One task as the inbox shows it: the list DTO, kept current by socket events. */
export interface InboxTask extends InboxTaskDto {
  /** when this client last learnt about the task (ISO, server time) */
  at: string;
  /** SLA warning raised by the server for this task */
  sla?: SlaEvent['level'];
  /** set when the task left the caller's queues (claimed by someone else, completed, cancelled) */
  departed?: { at: number; by: string | null; status: InboxTask['status'] };
}

export interface Me {
  id: string;
  email: string;
  groups: readonly string[];
  seesAll: boolean;
}

export type QueueId = 'mine' | 'groups' | 'all';

export interface InboxState {
  tasks: Readonly<Record<string, InboxTask>>;
  /** tasks that ended (completed/cancelled) with the time the client learnt it: a late snapshot must not bring them back */
  ended: Readonly<Record<string, string>>;
}

export const EMPTY_INBOX: InboxState = { tasks: {}, ended: {} };

/** How long a task that someone else took (or that ended) stays visible with who has it. */
export const DEPARTURE_MS = 4000;

export const isMine = (t: Pick<InboxTask, 'assignee'>, me: Me) => t.assignee !== null && (t.assignee === me.email || t.assignee === me.id);
export const isActive = (t: Pick<InboxTask, 'status'>) => t.status === 'open' || t.status === 'claimed';
export const isEligible = (t: Pick<InboxTask, 'candidateGroups' | 'candidateUsers'>, me: Me) =>
  t.candidateGroups.some((g) => me.groups.includes(g)) || t.candidateUsers.includes(me.email) || t.candidateUsers.includes(me.id);

const recentlyDeparted = (t: InboxTask, now: number) => t.departed !== undefined && now - t.departed.at < DEPARTURE_MS;

/** Whether a task is shown in a queue at `now` (departed rows linger briefly to show who took them). */
export function inQueue(t: InboxTask, queue: QueueId, me: Me, now: number): boolean {
  if (queue === 'mine') return (isActive(t) && isMine(t, me)) || (recentlyDeparted(t, now) && t.departed!.status !== 'claimed');
  if (queue === 'groups') return isEligible(t, me) && ((t.status === 'open' && !t.departed) || recentlyDeparted(t, now));
  return me.seesAll && (isActive(t) || recentlyDeparted(t, now));
}

export function queueTasks(state: InboxState, queue: QueueId, me: Me, now: number): InboxTask[] {
  return Object.values(state.tasks).filter((t) => inQueue(t, queue, me, now));
}

/** Counts of work waiting in each queue (rows that are only lingering are not counted). */
export function queueCounts(state: InboxState, me: Me): Record<QueueId, number> {
  const counts = { mine: 0, groups: 0, all: 0 };
  for (const t of Object.values(state.tasks)) {
    if (!isActive(t)) continue;
    if (isMine(t, me)) counts.mine++;
    if (t.status === 'open' && !t.departed && isEligible(t, me)) counts.groups++;
    if (me.seesAll) counts.all++;
  }
  return counts;
}

export function fromEvent(e: TaskEvent, previous?: InboxTask): InboxTask {
  return {
    id: e.taskId,
    instanceId: e.instanceId,
    processKey: e.processKey ?? previous?.processKey ?? '',
    elementId: e.elementId,
    name: e.name,
    businessKey: e.businessKey ?? previous?.businessKey ?? null,
    candidateGroups: e.candidateGroups,
    candidateUsers: e.candidateUsers,
    assignee: e.assignee,
    status: e.status,
    priority: e.priority,
    dueAt: e.dueAt,
    createdAt: e.createdAt ?? previous?.createdAt ?? e.at,
    claimedAt: e.status === 'claimed' ? (previous?.status === 'claimed' ? previous.claimedAt : e.at) : null,
    version: e.version ?? (previous ? previous.version + 1 : 1),
    formKey: e.formKey !== undefined ? e.formKey : (previous?.formKey ?? null),
    noInput: e.noInput ?? previous?.noInput ?? false,
    fields: e.fields ?? previous?.fields ?? {},
    at: e.at,
    sla: previous?.sla,
    ...(previous?.escalation ? { escalation: previous.escalation } : {}),
  };
}

/** Whether `incoming` is older than what the client has (versions when both carry one, else time). */
const isStale = (known: InboxTask, incoming: { version?: number; at: string }) =>
  incoming.version !== undefined ? known.version > incoming.version : known.at > incoming.at;

/**
 * Applies one socket event. Events older than what the client knows about the task are ignored
 * (two nodes may deliver out of order); a task taken by someone else or ended is marked departed.
 */
export function applyTaskEvent(state: InboxState, name: TaskEventName, e: TaskEvent, me: Me, now: number): InboxState {
  const previous = state.tasks[e.taskId];
  if (previous && isStale(previous, e)) return state;
  if (state.ended[e.taskId]) return state;
  const next = fromEvent(e, previous);
  if (name === 'task.completed' || name === 'task.cancelled' || e.status === 'completed' || e.status === 'cancelled') {
    next.status = name === 'task.cancelled' ? 'cancelled' : e.status === 'cancelled' ? 'cancelled' : 'completed';
    next.departed = { at: now, by: e.by ?? e.assignee, status: next.status };
    return { tasks: { ...state.tasks, [e.taskId]: next }, ended: { ...state.ended, [e.taskId]: e.at } };
  }
  if (next.status === 'claimed' && !isMine(next, me) && previous && (previous.status === 'open' || isMine(previous, me))) {
    next.departed = { at: now, by: next.assignee, status: 'claimed' };
  }
  return { ...state, tasks: { ...state.tasks, [e.taskId]: next } };
}

export function applySla(state: InboxState, e: SlaEvent): InboxState {
  const t = state.tasks[e.taskId];
  if (!t) return state;
  // an escalated task stays escalated when a later due-date warning arrives
  // an escalation says nothing new about the due date (a task without one stays without one)
  const next: InboxTask = { ...t, sla: t.escalation && e.level !== 'escalated' ? 'escalated' : e.level, dueAt: e.level === 'escalated' ? t.dueAt : e.dueAt };
  if (e.level === 'escalated') next.escalation = e.escalation ?? t.escalation ?? { at: e.at, timer: '', from: '', interrupting: false };
  return { ...state, tasks: { ...state.tasks, [e.taskId]: next } };
}

/**
 * Merges a list fetched from the API (started at `fetchedAt`, ISO). The snapshot replaces what it
 * covers, except that events newer than the request win and ended tasks stay ended. `scope` says
 * which tasks the snapshot is authoritative for: those it would have listed and did not are gone.
 */
export function mergeSnapshot(state: InboxState, list: readonly InboxTask[], fetchedAt: string, covers: (t: InboxTask) => boolean): InboxState {
  const tasks: Record<string, InboxTask> = {};
  const listed = new Set(list.map((t) => t.id));
  for (const [id, t] of Object.entries(state.tasks)) {
    // keep what the snapshot does not cover, and anything an event told us after the request started
    if (state.ended[id] || (!listed.has(id) && (!covers(t) || t.at > fetchedAt || t.departed))) tasks[id] = t;
  }
  for (const t of list) {
    const known = state.tasks[t.id];
    if (state.ended[t.id]) continue;
    const escalation = t.escalation ?? known?.escalation;
    tasks[t.id] = known && isStale(known, t) ? known : { ...t, sla: escalation ? 'escalated' : (t.sla ?? known?.sla), ...(escalation ? { escalation } : {}) };
  }
  return { tasks, ended: state.ended };
}

/** Drops rows whose departure was shown long enough (keeps the state small). */
export function pruneDeparted(state: InboxState, now: number): InboxState {
  let changed = false;
  const tasks: Record<string, InboxTask> = {};
  for (const [id, t] of Object.entries(state.tasks)) {
    if (t.departed && !isActive(t) && now - t.departed.at >= DEPARTURE_MS) changed = true;
    else tasks[id] = t;
  }
  return changed ? { ...state, tasks } : state;
}

/** SLA level to show: the server's warning, else derived from the due date. */
export function slaLevel(t: Pick<InboxTask, 'dueAt' | 'sla' | 'escalation'>, now: number, soonMs = SLA_SOON_MS): SlaEvent['level'] | undefined {
  if (t.sla === 'escalated' || t.escalation) return 'escalated';
  if (!t.dueAt) return t.sla;
  const due = Date.parse(t.dueAt);
  if (due <= now) return 'overdue';
  if (t.sla === 'overdue') return 'overdue';
  if (due - now <= soonMs || t.sla === 'soon') return 'soon';
  return undefined;
}
