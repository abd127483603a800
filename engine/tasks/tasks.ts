/**
 * User tasks as documents: queues (mine, my groups, all), claim / unclaim / assign with atomic
 * conditional updates (of two concurrent claims exactly one wins), and completion: form data
 * validated with ajv first (400, nothing saved), then the instance command signals the task.
 */
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../../workflows/model/errors';
import type { TaskFormView, TaskView } from '../../workflows/bpmn/views';
import type { FormRegistry } from '../ports';
import type { ActorRef, EngineCollections, TaskDoc, TaskStatus } from '../persistence/store';
import type { Locks } from '../persistence/locks';
import { validateFormData } from '../forms/forms';
import { taskView } from '../runtime/mappers';
import type { WorkflowRuntime } from '../runtime/runtime';
import { checkVariables } from '../runtime/variables';

/** Who works on tasks: ids and groups decide the queues; the flags come from permissions. */
export interface TaskActor extends ActorRef {
  /** group names (the user's groups and role) matched against camunda:candidateGroups */
  groups: readonly string[];
  /** tasks.all: sees and works every queue */
  canSeeAll: boolean;
  /** tasks.assign: assigns, and unclaims others' tasks */
  canAssign: boolean;
  /** other names camunda:candidateUsers / assignee may use for this user (e-mail) */
  aliases?: readonly string[];
  /**
   * Record scope: which of these business keys the actor may see. Absent = all. When present, a task
   * with another (or no) business key is hidden from lists and answers 404 to every action.
   */
  visibleKeys?: (keys: readonly string[]) => Promise<ReadonlySet<string>>;
}

/** Whom a task is given to (assign, delegate): an existing, active user, as the queues see them. */
export interface TaskTarget {
  userId: string;
  label: string;
  actor: TaskActor;
}

export interface TaskQuery {
  queue?: 'mine' | 'groups' | 'all';
  status?: TaskStatus;
  processKey?: string;
  businessKey?: string;
  instanceId?: string;
  limit?: number;
  offset?: number;
}

const ACTIVE: TaskStatus[] = ['open', 'claimed'];
/** Most tasks a scoped list looks at (it filters by record scope after the query). */
const SCOPED_SCAN_LIMIT = 5000;

export class TaskService {
  constructor(private readonly deps: { collections: EngineCollections; forms: FormRegistry; runtime: WorkflowRuntime; locks: Locks }) {}

  private get tasks() {
    return this.deps.collections.tasks;
  }

  private names(actor: TaskActor): string[] {
    return [actor.id, actor.label, ...(actor.aliases ?? [])].filter((x): x is string => Boolean(x));
  }

  /** tasks the actor may see and claim: candidate by user or group, or a task without candidates */
  private candidateFilter(actor: TaskActor): Record<string, unknown> {
    return {
      $or: [
        { candidateUsers: { $in: this.names(actor) } },
        { candidateGroups: { $in: [...actor.groups] } },
        { candidateUsers: { $size: 0 }, candidateGroups: { $size: 0 } },
        { claimedBy: { $in: this.names(actor) } },
        { assignee: { $in: this.names(actor) } },
      ],
    };
  }

  private isCandidate(t: TaskDoc, actor: TaskActor): boolean {
    const names = this.names(actor);
    if (t.claimedBy && names.includes(t.claimedBy)) return true;
    if (t.assignee && names.includes(t.assignee)) return true;
    if (!t.candidateUsers.length && !t.candidateGroups.length) return true;
    return t.candidateUsers.some((u) => names.includes(u)) || t.candidateGroups.some((g) => actor.groups.includes(g));
  }

  private canSee(t: TaskDoc, actor: TaskActor): boolean {
    return actor.canSeeAll || this.isCandidate(t, actor) || (t.completedBy?.id !== undefined && t.completedBy?.id === actor.id);
  }

  async list(query: TaskQuery, actor: TaskActor): Promise<{ items: TaskView[]; total: number }> {
    const q: Record<string, unknown> = {};
    const queue = query.queue ?? 'groups';
    if (queue === 'all' && !actor.canSeeAll) throw new ForbiddenError('Seeing every queue needs the permission tasks.all');
    if (queue === 'mine') Object.assign(q, { claimedBy: { $in: this.names(actor) }, status: query.status ?? 'claimed' });
    else if (queue === 'groups') Object.assign(q, this.candidateFilter(actor), { status: query.status ?? 'open' });
    else q.status = query.status ?? { $in: ACTIVE };
    if (query.processKey) q.processKey = query.processKey;
    if (query.businessKey) q.businessKey = query.businessKey;
    if (query.instanceId) q.instanceId = query.instanceId;
    if (actor.visibleKeys) return this.listScoped(q, query, actor.visibleKeys);
    const [rows, total] = await Promise.all([
      this.tasks
        .find(q)
        .sort({ priority: -1, dueAt: 1, createdAt: 1 })
        .skip(query.offset ?? 0)
        .limit(Math.min(query.limit ?? 50, 500))
        .toArray(),
      this.tasks.countDocuments(q),
    ]);
    return { items: rows.map(taskView), total };
  }

  /** The record scope filter needs the orders behind the tasks, so it applies after the query. */
  private async listScoped(q: Record<string, unknown>, query: TaskQuery, visibleKeys: NonNullable<TaskActor['visibleKeys']>): Promise<{ items: TaskView[]; total: number }> {
    const rows = await this.tasks.find(q).sort({ priority: -1, dueAt: 1, createdAt: 1 }).limit(SCOPED_SCAN_LIMIT).toArray();
    const visible = await visibleKeys([...new Set(rows.flatMap((t) => (t.businessKey ? [t.businessKey] : [])))]);
    const seen = rows.filter((t) => t.businessKey && visible.has(t.businessKey));
    const offset = query.offset ?? 0;
    return { items: seen.slice(offset, offset + Math.min(query.limit ?? 50, 500)).map(taskView), total: seen.length };
  }

  /** Outside the actor's record scope a task is as good as missing (404, existence not revealed). */
  private async assertInScope(t: TaskDoc | null, id: string, actor: TaskActor): Promise<void> {
    if (!t || !actor.visibleKeys) return;
    if (!t.businessKey || !(await actor.visibleKeys([t.businessKey])).has(t.businessKey)) throw new NotFoundError(`Task ${id}`);
  }

  private async load(id: string, actor: TaskActor): Promise<TaskDoc> {
    const t = await this.tasks.findOne({ _id: id });
    if (!t || !this.canSee(t, actor)) throw new NotFoundError(`Task ${id}`);
    await this.assertInScope(t, id, actor);
    return t;
  }

  async get(id: string, actor: TaskActor): Promise<TaskView & { form: TaskFormView | null }> {
    const t = await this.load(id, actor);
    const form = t.formKey ? ((await this.deps.forms.get(t.formKey)) ?? null) : null;
    return { ...taskView(t), form };
  }

  /**
   * A task the actor may not see is missing to them (404), whatever its state: a status answer
   * (claimed by whom, completed) would reveal that it exists. Checked before any status.
   */
  private assertVisible(t: TaskDoc | null, id: string, actor: TaskActor): asserts t is TaskDoc {
    if (!t || !this.canSee(t, actor)) throw new NotFoundError(`Task ${id}`);
  }

  /** The task as it is now, for an action: 404 unless the actor may see it (candidacy and record scope). */
  private async visible(id: string, actor: TaskActor): Promise<TaskDoc> {
    const t = await this.current(id);
    await this.assertInScope(t, id, actor);
    this.assertVisible(t, id, actor);
    return t;
  }

  private explain(t: TaskDoc | null, id: string, actor: TaskActor, action: string): never {
    this.assertVisible(t, id, actor);
    if (t.status === 'open' && action === 'claim' && (actor.canSeeAll || this.isCandidate(t, actor))) throw new ConflictError('Someone else claimed the task at the same moment');
    if (t.status === 'completed' || t.status === 'cancelled') throw new ConflictError(`The task is already ${t.status}`);
    if (t.status === 'claimed' && t.claimedBy && !this.names(actor).includes(t.claimedBy)) throw new ConflictError(`The task is claimed by ${t.claimedByLabel ?? t.claimedBy}`, { claimedBy: t.claimedBy });
    if (!actor.canSeeAll && !this.isCandidate(t, actor)) throw new ForbiddenError(`You are not a candidate for this task (${action})`);
    throw new ConflictError('The task changed meanwhile; reload it');
  }

  /**
   * Changes a task from the version read, once: the lock marker `task:<id>@<version>` admits one
   * writer per version (FerretDB has no atomic conditional update). Null when another writer won.
   */
  private async advance(t: TaskDoc, set: Partial<TaskDoc>): Promise<TaskDoc | null> {
    const got = await this.deps.locks.acquire(`task:${t._id}`, t.version, 15_000, async () => (await this.tasks.findOne({ _id: t._id }, { projection: { version: 1 } }))?.version === t.version);
    if (!got.ok) return null;
    const next = { ...t, ...set, version: t.version + 1 };
    await this.tasks.updateOne({ _id: t._id }, { $set: { ...set, version: next.version } });
    return next;
  }

  private async current(id: string): Promise<TaskDoc | null> {
    return this.tasks.findOne({ _id: id });
  }

  async claim(id: string, actor: TaskActor): Promise<TaskView> {
    const t = await this.visible(id, actor);
    if (t.status !== 'open' || (!actor.canSeeAll && !this.isCandidate(t, actor))) this.explain(t, id, actor, 'claim');
    const done = await this.advance(t, { status: 'claimed', claimedBy: actor.id ?? actor.label, claimedByLabel: actor.label, claimedAt: new Date() });
    if (!done) this.explain(await this.current(id), id, actor, 'claim');
    await this.note(done, 'task.claimed', actor);
    this.deps.runtime.emit('task.claimed', taskView(done));
    return taskView(done);
  }

  async unclaim(id: string, actor: TaskActor): Promise<TaskView> {
    const t = await this.visible(id, actor);
    if (t.status === 'open') throw new ConflictError('The task is not claimed');
    const mine = t.claimedBy ? this.names(actor).includes(t.claimedBy) : false;
    if (t.status !== 'claimed' || (!mine && !actor.canAssign)) this.explain(t, id, actor, 'unclaim');
    const done = await this.advance(t, { status: 'open', claimedBy: null, claimedByLabel: null, claimedAt: null, assignee: null });
    if (!done) this.explain(await this.current(id), id, actor, 'unclaim');
    await this.note(done, 'task.unclaimed', actor);
    this.deps.runtime.emit('task.unclaimed', { ...taskView(done), actedBy: actor.label });
    return taskView(done);
  }

  /** tasks.assign: gives an open or claimed task to an eligible user (claimed on their behalf; no owner). */
  async assign(id: string, to: TaskTarget, actor: TaskActor): Promise<TaskView> {
    if (!actor.canAssign) throw new ForbiddenError('Assigning tasks needs the permission tasks.assign');
    const t = await this.visible(id, actor);
    if (!ACTIVE.includes(t.status)) this.explain(t, id, actor, 'assign');
    return this.giveTo(t, to, actor, { owner: null, ownerLabel: null }, {});
  }

  /**
   * The holder of a claimed task (or a user with tasks.assign) hands it to another eligible user, who
   * then holds it; the owner (the first to delegate it) is recorded on the task and in its history.
   */
  async delegate(id: string, to: TaskTarget, actor: TaskActor): Promise<TaskView> {
    const t = await this.visible(id, actor);
    if (t.status === 'open') throw new ConflictError('Only a claimed task can be delegated: claim it first');
    const mine = t.claimedBy ? this.names(actor).includes(t.claimedBy) : false;
    if (t.status !== 'claimed' || (!mine && !actor.canAssign)) this.explain(t, id, actor, 'delegate');
    const owner = { owner: t.owner ?? actor.id ?? actor.label, ownerLabel: t.ownerLabel ?? actor.label };
    return this.giveTo(t, to, actor, owner, { delegatedBy: actor.label, owner: owner.ownerLabel });
  }

  /** The target must be able to work on the task: a candidate (or tasks.all) inside their record scope. */
  private async giveTo(t: TaskDoc, to: TaskTarget, actor: TaskActor, owner: Pick<TaskDoc, 'owner' | 'ownerLabel'>, noteData: Record<string, unknown>): Promise<TaskView> {
    if (t.claimedBy === to.userId) throw new UnprocessableError(`${to.label} already holds this task`, [{ path: 'userId', message: 'already holds the task' }]);
    const inScope = await this.assertInScope(t, t._id, to.actor).then(
      () => true,
      () => false,
    );
    if (!inScope || !(to.actor.canSeeAll || this.isCandidate(t, to.actor))) {
      throw new UnprocessableError(`${to.label} may not work on this task`, [{ path: 'userId', message: 'is not a candidate for this task' }]);
    }
    const done = await this.advance(t, { status: 'claimed', assignee: to.userId, claimedBy: to.userId, claimedByLabel: to.label, claimedAt: new Date(), ...owner });
    if (!done) throw new ConflictError('The task changed meanwhile; reload it');
    await this.note(done, 'task.assigned', actor, { to: to.label, ...noteData });
    this.deps.runtime.emit('task.assigned', { ...taskView(done), actedBy: actor.label });
    return taskView(done);
  }

  /** After the instance save that completed the task: the task document follows (retries past concurrent claims). */
  async markCompleted(id: string, actor: ActorRef, data: Record<string, unknown>, at: Date): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const t = await this.current(id);
      if (!t || !ACTIVE.includes(t.status)) return;
      const done = await this.advance(t, { status: 'completed', completedAt: at, completedBy: actor, data: JSON.stringify(data) });
      if (done) {
        this.deps.runtime.emit('task.completed', taskView(done));
        return;
      }
      await new Promise((r) => setTimeout(r, 20 * (i + 1)));
    }
  }

  /** Cancels the open tasks of an instance whose wait is gone (boundary event, terminate, cancel). */
  async closeStale(instanceId: string, taskIds: readonly string[], waitingExecutions: ReadonlySet<string>, at: Date): Promise<void> {
    for (const taskId of taskIds) {
      const first = await this.current(taskId);
      if (!first || !ACTIVE.includes(first.status)) continue;
      if (waitingExecutions.has(first.executionId)) continue;
      for (let i = 0, t: TaskDoc | null = first; i < 10 && t && ACTIVE.includes(t.status); i++, t = await this.current(first._id)) {
        const done = await this.advance(t, { status: 'cancelled', completedAt: at });
        if (done) {
          await this.deps.collections.history.insertOne({ instanceId, at, seq: 0, type: 'task.cancelled', elementId: t.activityId, elementType: 'bpmn:UserTask', actor: null, data: JSON.stringify({ taskId: t._id }) });
          this.deps.runtime.emit('task.cancelled', taskView(done));
          break;
        }
        await new Promise((r) => setTimeout(r, 20 * (i + 1)));
      }
    }
  }

  /** Validates the data against the task's form, then completes it (the instance runs to its next wait). */
  async complete(id: string, data: unknown, actor: TaskActor): Promise<TaskView> {
    const t = await this.load(id, actor);
    if (t.status === 'completed' || t.status === 'cancelled') throw new ConflictError(`The task is already ${t.status}`);
    if (t.status === 'claimed' && t.claimedBy && !this.names(actor).includes(t.claimedBy) && !actor.canSeeAll) {
      throw new ConflictError(`The task is claimed by ${t.claimedByLabel ?? t.claimedBy}`, { claimedBy: t.claimedBy });
    }
    if (!actor.canSeeAll && !this.isCandidate(t, actor)) throw new ForbiddenError('You are not a candidate for this task');
    const values = checkVariables(data ?? {}, 'data');
    if (t.formKey) {
      const form = await this.deps.forms.get(t.formKey);
      if (!form) throw new UnprocessableError(`The form "${t.formKey}" of this task no longer exists`);
      validateFormData(form, values);
    }
    await this.deps.runtime.command(t.instanceId, { kind: 'completeTask', activityId: t.activityId, executionId: t.executionId, data: values, actor: { kind: actor.kind, id: actor.id, label: actor.label } });
    const done = await this.tasks.findOne({ _id: id });
    return taskView(done ?? t);
  }

  private async note(t: TaskDoc, type: 'task.claimed' | 'task.unclaimed' | 'task.assigned', actor: TaskActor, data?: Record<string, unknown>) {
    await this.deps.collections.history.insertOne({
      instanceId: t.instanceId,
      at: new Date(),
      seq: 0,
      type,
      elementId: t.activityId,
      elementType: 'bpmn:UserTask',
      actor: { kind: actor.kind, id: actor.id, label: actor.label },
      data: JSON.stringify({ taskId: t._id, ...data }),
    });
  }
}
