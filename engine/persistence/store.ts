/**
 * The engine's collections, used through the plain driver (no mongoose casting on the hot path):
 * definitions, instances, tasks, jobs, incidents, history. FerretDB-safe: no transactions, no
 * user-typed document keys (engine state and variables are JSON strings), single-document atomic
 * updates with a revision or version field.
 */
import type { Connection, mongo } from 'mongoose';

export interface ActorRef {
  kind: string;
  id: string | null;
  label: string;
}

export interface DefinitionDoc {
  /** `${key}@${version}` */
  _id: string;
  key: string;
  version: number;
  name: string | null;
  xml: string;
  /** sha256 of the XML */
  hash: string;
  /** moddle-context-serializer output (JSON string) */
  serialized: string;
  /** CompiledMeta as JSON string (element configs, message and signal names, error catchers) */
  meta: string;
  deployedBy: ActorRef;
  deployedAt: Date;
  warnings: Array<{ elementId: string; message: string }>;
}

export type InstanceStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export interface WaitRecord {
  kind: 'task' | 'message' | 'signal' | 'timer' | 'call';
  activityId: string;
  executionId: string;
  /** message or signal name */
  name?: string;
  /** message or signal element id (what the engine is signalled with) */
  refId?: string;
  dueAt?: Date;
}

export interface ParkedRecord {
  executionId: string;
  activityId: string;
  /** the attempt counter and retry job of this execution */
  jobId: string;
  reason: 'retry' | 'incident';
  dueAt: Date | null;
  incidentId?: string;
  /** a call activity's incident: the called instance that failed */
  childId?: string;
}

/** Side effects recorded with a save (an outbox in the jobs collection), run once the save stands. */
export type OutboxPayload =
  | { kind: 'startChild'; executionId: string; activityId: string; processKey: string; version?: number; childId: string }
  | { kind: 'notifyParent'; outcome?: 'completed' | 'failed' | 'incident'; message?: string; code?: string }
  | { kind: 'message'; name: string; businessKey: string | null; variables: string; fromActivity: string };

export interface InstanceDoc {
  _id: string;
  processKey: string;
  version: number;
  definitionId: string;
  businessKey: string | null;
  status: InstanceStatus;
  incident: boolean;
  /** slim bpmn-engine state (definitions[].source stripped), JSON */
  state: string | null;
  engineVersion: string;
  /** revision: every save advances it; the right to advance it is a lock marker (persistence/locks) */
  rev: number;
  /** projection of the process variables, JSON */
  variables: string;
  waits: WaitRecord[];
  messageNames: string[];
  signalNames: string[];
  tokens: string[];
  incidentActivities: string[];
  visited: string[];
  takenFlows: string[];
  parked: ParkedRecord[];
  nextTimerAt: Date | null;
  parent: { instanceId: string; activityId: string; executionId: string } | null;
  /**
   * ids of the afterSave and outbox jobs of the last saves (at most 30): a job of an attempt whose save
   * lost (or never happened) is not among them and is dropped instead of run. Absent on older documents.
   */
  committedJobs?: string[];
  /** the last buffered messages this instance consumed (a delivery interrupted by a crash is not repeated) */
  consumedMessages?: string[];
  /**
   * The AfterSavePlan of the last save (JSON), written in that same update, and the node that wrote
   * it: the node applies it right after the save; if it dies first, another node finds it through
   * the dead node's `watch` job (runtime recoverNode). Replaced by the next save.
   */
  plan?: string | null;
  planNode?: string | null;
  error: { message: string; activityId?: string; code?: string } | null;
  startedBy: ActorRef;
  startedAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
}

export type TaskStatus = 'open' | 'claimed' | 'completed' | 'cancelled';

export interface TaskDoc {
  /** `${instanceId}:${executionId}` */
  _id: string;
  instanceId: string;
  processKey: string;
  businessKey: string | null;
  activityId: string;
  executionId: string;
  name: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  assignee: string | null;
  claimedBy: string | null;
  claimedByLabel: string | null;
  /** who delegated the task to its holder (the first delegator when passed on again); absent otherwise */
  owner?: string | null;
  ownerLabel?: string | null;
  formKey: string | null;
  priority: number;
  dueAt: Date | null;
  status: TaskStatus;
  version: number;
  createdAt: Date;
  claimedAt: Date | null;
  completedAt: Date | null;
  completedBy: ActorRef | null;
  /** submitted form data, JSON */
  data: string | null;
  /** the last SLA level the server announced for it (server/realtime/sla-watch.ts) */
  slaWarned?: 'soon' | 'overdue' | null;
}

export interface JobDoc {
  _id: string;
  /**
   * timer / retry: resume the instance when due; service: a parked service without a schedule (incident);
   * timerStart: the schedule of a timer start event (instanceId `def:<key>`, payload TimerStartPayload,
   * dueAt null once exhausted); watch: a node's liveness (instanceId `node:<nodeId>`, payload
   * WatchPayload), due when the node stopped beating; the rest: outbox
   */
  kind: 'timer' | 'retry' | 'service' | 'timerStart' | 'startChild' | 'notifyParent' | 'message' | 'afterSave' | 'watch';
  instanceId: string;
  activityId: string;
  executionId: string;
  /** null: not scheduled (a running attempt counter, or an incident) */
  dueAt: Date | null;
  /** the instance revision whose save armed this job (an outbox job is void until that save stands) */
  armedRev: number;
  attempts: number;
  /** outbox details, JSON */
  payload: string | null;
  createdAt: Date;
}

/** The schedule of one timer start event of one deployed version (a `timerStart` job's payload). */
export interface TimerStartPayload {
  definitionId: string;
  key: string;
  version: number;
  eventId: string;
  type: 'timeDate' | 'timeDuration' | 'timeCycle';
  value: string;
  /** what relative timers count from: the deployment of the version that first had this timer */
  anchor: string;
  /** the occurrence the job is due for (1-based); occurrences before it have fired or were missed */
  k: number;
}

/**
 * A node's `watch` job: the node moves its due time one lease ahead every third of a lease. Every
 * plan the node saved before `since` is applied; a later one may not be (the node may have died
 * between its save and applying it): when the job falls due, another node applies those.
 */
export interface WatchPayload {
  since: string;
}

/** Per process key: whether new instances may start (suspended: no starts, no timer starts). */
export interface ProcessSettingsDoc {
  _id: string;
  suspended: boolean;
  updatedAt: Date;
  updatedBy: ActorRef;
}

/** A message published with a time to live that no instance was waiting for yet (delivered later, once). */
export interface BufferedMessageDoc {
  _id: string;
  name: string;
  businessKey: string;
  /** JSON */
  variables: string;
  createdAt: Date;
  expiresAt: Date;
  publishedBy: ActorRef;
}

export interface IncidentDoc {
  _id: string;
  instanceId: string;
  processKey: string;
  businessKey: string | null;
  activityId: string;
  executionId: string | null;
  jobId: string | null;
  kind: 'service' | 'engine' | 'bpmnError' | 'call';
  message: string;
  attempts: number;
  status: 'open' | 'resolved';
  resolution: 'retried' | 'cancelled' | null;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: ActorRef | null;
}

export type HistoryType =
  | 'instance.started'
  | 'instance.completed'
  | 'instance.failed'
  | 'instance.cancelled'
  | 'element.entered'
  | 'element.left'
  | 'flow.taken'
  | 'timer.fired'
  | 'message.correlated'
  | 'signal.received'
  | 'task.created'
  | 'task.claimed'
  | 'task.unclaimed'
  | 'task.assigned'
  | 'task.completed'
  | 'task.cancelled'
  | 'service.failed'
  | 'incident.opened'
  | 'incident.resolved'
  | 'variables.changed'
  | 'decision'
  | 'note';

export interface HistoryDoc {
  _id?: unknown;
  instanceId: string;
  at: Date;
  seq: number;
  type: HistoryType;
  elementId: string | null;
  elementType: string | null;
  actor: ActorRef | null;
  /** details, JSON */
  data: string | null;
}

/** The attempt counter of one service-task execution (written before each attempt). */
export interface AttemptDoc {
  _id: string;
  instanceId: string;
  attempts: number;
  createdAt: Date;
}

export interface EngineCollections {
  definitions: mongo.Collection<DefinitionDoc>;
  instances: mongo.Collection<InstanceDoc>;
  tasks: mongo.Collection<TaskDoc>;
  jobs: mongo.Collection<JobDoc>;
  incidents: mongo.Collection<IncidentDoc>;
  history: mongo.Collection<HistoryDoc>;
  attempts: mongo.Collection<AttemptDoc>;
  processSettings: mongo.Collection<ProcessSettingsDoc>;
  messages: mongo.Collection<BufferedMessageDoc>;
}

export const OUTBOX_KINDS: ReadonlyArray<JobDoc['kind']> = ['startChild', 'notifyParent', 'message', 'afterSave'];

/**
 * What a save implies besides the instance document (history rows, task and incident documents,
 * jobs and tasks to close). A command's save carries it in the instance document itself (`plan`);
 * a cancel or a variable change writes it as the `afterSave` job `after:<instanceId>@<rev>#…`
 * BEFORE the instance save. Applied right after the save, and by another node if the saving node
 * died in between. Every write in it is idempotent (history rows have the _id `<instanceId>:<rev>:<n>`).
 */
export interface AfterSavePlan {
  instanceId: string;
  rev: number;
  /** history rows to insert: those of the save before (carried from its `recent`), or a cancel's / variable change's own */
  history: Array<HistoryDoc & { _id: string }>;
  /**
   * The history rows of this save. They stay in the instance document (read by runtime.getHistory
   * from there) until the next save carries them into its `history`; an instance's last save (it
   * completed) keeps them there. One insert fewer per command, and none at all for an instance that
   * runs start to end in one command.
   */
  recent?: Array<HistoryDoc & { _id: string }>;
  newTasks: TaskDoc[];
  incidents: IncidentDoc[];
  staleJobs: string[];
  doneAttempts: string[];
  completeTask: { taskId: string; actor: ActorRef; data: Record<string, unknown>; at: Date } | null;
  closeStale: { taskIds: string[]; waitingExec: string[]; at: Date } | null;
  resolvedCalls: string[];
  /** a cancel: resolve the open incidents and cancel the running children */
  cancel?: { actor: ActorRef; reason?: string; at: Date };
}

const DATE_KEYS = new Set(['at', 'createdAt', 'dueAt', 'claimedAt', 'completedAt', 'resolvedAt']);

export function planFromJson(json: string): AfterSavePlan {
  return JSON.parse(json, (key, value) => (DATE_KEYS.has(key) && typeof value === 'string' ? new Date(value) : value)) as AfterSavePlan;
}

export function engineCollections(connection: Connection): EngineCollections {
  const db = connection.db;
  if (!db) throw new Error('the database connection is not open');
  return {
    definitions: retrying(db.collection<DefinitionDoc>('definitions')),
    instances: retrying(db.collection<InstanceDoc>('instances')),
    tasks: retrying(db.collection<TaskDoc>('tasks')),
    jobs: retrying(db.collection<JobDoc>('jobs')),
    incidents: retrying(db.collection<IncidentDoc>('incidents')),
    history: retrying(db.collection<HistoryDoc>('history')),
    attempts: retrying(db.collection<AttemptDoc>('attempts')),
    processSettings: retrying(db.collection<ProcessSettingsDoc>('process_settings')),
    messages: retrying(db.collection<BufferedMessageDoc>('buffered_messages')),
  };
}

/** FerretDB on SQLite answers "database is locked" (SQLITE_BUSY) under concurrent writes; the write did not happen. */
export const isTransientDbError = (err: unknown): boolean => /SQLITE_BUSY|database is locked/.test(String((err as Error)?.message ?? ''));

const RETRIED = new Set(['insertOne', 'insertMany', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOne', 'countDocuments', 'distinct', 'createIndex']);

/** The collection, with its single-call operations retried on transient lock errors (5 tries, growing pauses). */
export function retrying<T extends object>(col: T): T {
  return new Proxy(col, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !RETRIED.has(prop) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (err) {
            if (attempt >= 6 || !isTransientDbError(err)) throw err;
            await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + Math.random() * 20));
          }
        }
      };
    },
  });
}

export async function ensureEngineIndexes(c: EngineCollections): Promise<void> {
  await Promise.all([
    c.definitions.createIndex({ key: 1, version: -1 }, { unique: true }),
    c.instances.createIndex({ status: 1, startedAt: -1 }),
    c.instances.createIndex({ businessKey: 1 }),
    c.instances.createIndex({ processKey: 1, startedAt: -1 }),
    c.instances.createIndex({ messageNames: 1 }),
    c.instances.createIndex({ signalNames: 1 }),
    c.instances.createIndex({ nextTimerAt: 1 }),
    c.instances.createIndex({ 'parent.instanceId': 1 }),
    c.tasks.createIndex({ status: 1, priority: -1, createdAt: 1 }),
    c.tasks.createIndex({ instanceId: 1 }),
    c.tasks.createIndex({ candidateGroups: 1 }),
    c.tasks.createIndex({ claimedBy: 1 }),
    c.jobs.createIndex({ dueAt: 1 }),
    c.jobs.createIndex({ instanceId: 1 }),
    c.incidents.createIndex({ status: 1, createdAt: -1 }),
    c.incidents.createIndex({ instanceId: 1 }),
    c.history.createIndex({ instanceId: 1, at: 1, seq: 1 }),
    c.messages.createIndex({ name: 1, businessKey: 1, createdAt: 1 }),
    c.messages.createIndex({ expiresAt: 1 }),
  ]);
}

export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number })?.code === 11000;
