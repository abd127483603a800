/**
 * User tasks as documents: queues (mine, my groups, all), claim / unclaim / assign with atomic
 * conditional updates (of two concurrent claims exactly one wins), and completion: form data
 * validated with ajv first (400, nothing saved), then the instance command signals the task.
 */
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../../workflows/model/errors';
import type { TaskFormView, TaskView } from '../../workflows/bpmn/views';
import type { FormRegistry } from '../ports';
import type { ActorRef, EngineCollections, TaskDoc, TaskStatus } from '../persistence/store';
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

export class TaskService {
  constructor(private readonly deps: { collections: EngineCollections; forms: FormRegistry; runtime: WorkflowRuntime }) {}

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

  private async load(id: string, actor: TaskActor): Promise<TaskDoc> {
    const t = await this.tasks.findOne({ _id: id });
    if (!t || !this.canSee(t, actor)) throw new NotFoundError(`Task ${id}`);
    return t;
  }

  async get(id: string, actor: TaskActor): Promise<TaskView & { form: TaskFormView | null }> {
    const t = await this.load(id, actor);
    const form = t.formKey ? ((await this.deps.forms.get(t.formKey)) ?? null) : null;
    return { ...taskView(t), form };
  }

  private explain(t: TaskDoc | null, id: string, actor: TaskActor, action: string): never {
    if (!t) throw new NotFoundError(`Task ${id}`);
    if (t.status === 'completed' || t.status === 'cancelled') throw new ConflictError(`The task is already ${t.status}`);
    if (t.status === 'claimed' && t.claimedBy && !this.names(actor).includes(t.claimedBy)) throw new ConflictError(`The task is claimed by ${t.claimedByLabel ?? t.claimedBy}`, { claimedBy: t.claimedBy });
    if (!actor.canSeeAll && !this.isCandidate(t, actor)) throw new ForbiddenError(`You are not a candidate for this task (${action})`);
    throw new ConflictError('The task changed meanwhile; reload it');
  }

  async claim(id: string, actor: TaskActor): Promise<TaskView> {
    const now = new Date();
    const filter: Record<string, unknown> = { _id: id, status: 'open' };
    if (!actor.canSeeAll) Object.assign(filter, this.candidateFilter(actor));
    const t = await this.tasks.findOneAndUpdate(filter, { $set: { status: 'claimed', claimedBy: actor.id ?? actor.label, claimedByLabel: actor.label, claimedAt: now }, $inc: { version: 1 } }, { returnDocument: 'after' });
    if (!t) this.explain(await this.tasks.findOne({ _id: id }), id, actor, 'claim');
    await this.note(t, 'task.claimed', actor);
    this.deps.runtime.emit('task.claimed', taskView(t));
    return taskView(t);
  }

  async unclaim(id: string, actor: TaskActor): Promise<TaskView> {
    const filter: Record<string, unknown> = { _id: id, status: 'claimed' };
    if (!actor.canAssign) filter.claimedBy = { $in: this.names(actor) };
    const t = await this.tasks.findOneAndUpdate(filter, { $set: { status: 'open', claimedBy: null, claimedByLabel: null, claimedAt: null, assignee: null }, $inc: { version: 1 } }, { returnDocument: 'after' });
    if (!t) {
      const cur = await this.tasks.findOne({ _id: id });
      if (cur?.status === 'open') throw new ConflictError('The task is not claimed');
      this.explain(cur, id, actor, 'unclaim');
    }
    await this.note(t, 'task.unclaimed', actor);
    this.deps.runtime.emit('task.unclaimed', taskView(t));
    return taskView(t);
  }

  /** tasks.assign: gives the task to a user (claimed on their behalf). */
  async assign(id: string, to: { userId: string; label: string }, actor: TaskActor): Promise<TaskView> {
    if (!actor.canAssign) throw new ForbiddenError('Assigning tasks needs the permission tasks.assign');
    const now = new Date();
    const t = await this.tasks.findOneAndUpdate(
      { _id: id, status: { $in: ACTIVE } },
      { $set: { status: 'claimed', assignee: to.userId, claimedBy: to.userId, claimedByLabel: to.label, claimedAt: now }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    if (!t) this.explain(await this.tasks.findOne({ _id: id }), id, actor, 'assign');
    await this.note(t, 'task.assigned', actor, { to: to.label });
    this.deps.runtime.emit('task.assigned', taskView(t));
    return taskView(t);
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
