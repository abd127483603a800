/**
 * Typed socket.io event maps, shared by the server and the designer. The server decides which
 * rooms a socket is in; a client may only ask to join rooms its user is entitled to.
 */

/** What the inbox needs to show or drop a task without another request. */
export interface TaskEvent {
  taskId: string;
  instanceId: string;
  /** BPMN element id and display name */
  elementId: string;
  name: string;
  businessKey?: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  assignee: string | null;
  status: 'open' | 'claimed' | 'completed' | 'cancelled';
  priority: number;
  dueAt: string | null;
  /** actor label (e-mail) of whoever caused the event */
  by?: string | null;
  at: string;
  /** business fields shown as inbox columns (channel, customer, amount, warehouse …) */
  fields?: Record<string, string | number | boolean | null>;
  /** the task document's version: a client ignores an event older than what it has */
  version?: number;
  processKey?: string;
  formKey?: string | null;
  createdAt?: string;
  /** the form needs nothing typed (bulk complete, scan-to-confirm) */
  noInput?: boolean;
}

/**
 * A task due within this is 'soon': one threshold for the server's SLA warning (server/realtime/sla-watch.ts),
 * the inbox's highlight (designer/tasks/model.ts slaLevel) and its "due soon" filter (designer/tasks/filters.ts).
 */
export const SLA_SOON_MS = 60 * 60_000;

export interface SlaEvent {
  taskId: string;
  level: 'soon' | 'overdue' | 'escalated';
  dueAt: string;
  at: string;
  /** escalated: which boundary timer fired, on which task, and whether it interrupted that task */
  escalation?: TaskEscalation;
}

/** A boundary timer on a user task fired: the task it flagged (or the task the flow moved to). */
export interface TaskEscalation {
  at: string;
  /** the boundary event's id and name */
  timer: string;
  /** the user task the timer is attached to (its name, else id) */
  from: string;
  /** true: the timer interrupted that task and the flow moved on (reassigned); false: it only flagged it */
  interrupting: boolean;
}

export interface ProgressEvent {
  /** a print batch id, or the id the caller chose for a bulk complete */
  jobId: string;
  kind: 'print' | 'import' | 'tasks';
  done: number;
  total: number;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  message?: string;
}

export interface ServerToClientEvents {
  'task.created': (e: TaskEvent) => void;
  'task.updated': (e: TaskEvent) => void;
  'task.claimed': (e: TaskEvent) => void;
  'task.unclaimed': (e: TaskEvent) => void;
  'task.completed': (e: TaskEvent) => void;
  'task.cancelled': (e: TaskEvent) => void;
  'task.sla': (e: SlaEvent) => void;
  progress: (e: ProgressEvent) => void;
}

export type Ack = (result: { ok: true } | { ok: false; error: string }) => void;

export interface ClientToServerEvents {
  /**
   * Follow a job's progress: a print batch (room `job:<id>`; refused, `not found`, when the record scope does not
   * cover all its orders) or a job of one's own with an id one chose (bulk complete; room `job:<user>:<id>`).
   */
  'job.watch': (jobId: string, ack: Ack) => void;
  /** Join a queue room: `group:<name>` (own groups only) or `tasks:all` (tasks.all). */
  'queue.join': (room: string, ack: Ack) => void;
}

export const TASK_EVENTS = ['task.created', 'task.updated', 'task.claimed', 'task.unclaimed', 'task.completed', 'task.cancelled'] as const;
export type TaskEventName = (typeof TASK_EVENTS)[number];
