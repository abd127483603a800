/**
 * The operators' inbox read model on top of the task API's TaskService: queue lists with the order
 * fields as columns and per-queue counts, whether a task's form needs any input, comments on a task,
 * the open tasks of a scanned order, and the form validators the browser runs (CSP-safe).
 */
import crypto from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { validateFormData, type TaskActor, type TaskService } from '../../../engine';
import type { FormRegistry } from '../../../engine/ports';
import type { TaskView } from '../../../workflows/bpmn/views';
import { isAppError, NotFoundError, ServiceUnavailableError } from '../../../workflows/model/errors';
import { inboxTaskOf, type InboxCounts, type InboxListDto, type InboxQueue, type InboxTaskDto, type ScanResultDto, type TaskCommentDto } from '../../contracts/inbox';
import type { ProgressEvent, TaskEscalation } from '../../contracts/realtime';
import { bulkComplete, type BulkCompleteOutcome } from './bulk-complete';
import { FormValidatorCache } from './form-validator';
import { TaskFieldsReader } from './task-fields';

interface CommentDoc {
  _id: string;
  taskId: string;
  text: string;
  author: string;
  authorId: string | null;
  at: Date;
}

export interface InboxDeps {
  tasks: () => TaskService | undefined;
  forms: FormRegistry;
  fields: TaskFieldsReader;
  connection: Connection;
  clock?: () => Date;
  /** boundary-timer escalations by task id (server/realtime/escalation-watch.ts) */
  escalations?: (taskIds: readonly string[]) => Promise<ReadonlyMap<string, TaskEscalation>>;
}

export class InboxService {
  private readonly comments: Collection<CommentDoc>;
  private readonly validators = new FormValidatorCache();
  private readonly noInputByForm = new Map<string, Promise<boolean>>();
  private readonly clock: () => Date;
  private progress?: (e: ProgressEvent, owner: string | null) => void;

  constructor(private readonly deps: InboxDeps) {
    this.comments = deps.connection.collection('taskComments') as unknown as Collection<CommentDoc>;
    this.clock = deps.clock ?? (() => new Date());
  }

  async init(): Promise<void> {
    await this.comments.createIndex({ taskId: 1, at: 1 });
  }

  private get tasks(): TaskService {
    const t = this.deps.tasks();
    if (!t) throw new ServiceUnavailableError('The workflow runtime is not running');
    return t;
  }

  /** A task whose form accepts {} needs nothing typed: bulk complete and scan-to-confirm may complete it. */
  noInput(formKey: string | null): Promise<boolean> {
    if (!formKey) return Promise.resolve(true);
    let known = this.noInputByForm.get(formKey);
    if (!known) {
      known = this.deps.forms.get(formKey).then((form) => {
        if (!form) return false;
        try {
          validateFormData(form, {});
          return true;
        } catch (err) {
          if (isAppError(err)) return false;
          throw err;
        }
      });
      this.noInputByForm.set(formKey, known);
    }
    return known;
  }

  async rows(views: readonly TaskView[]): Promise<InboxTaskDto[]> {
    const [fields, escalations] = await Promise.all([this.deps.fields.byKeys(views.map((v) => v.businessKey)), this.deps.escalations?.(views.map((v) => v.id))]);
    return Promise.all(
      views.map(async (v) => {
        const row = inboxTaskOf(v, v.businessKey ? fields.get(v.businessKey) : undefined, await this.noInput(v.formKey));
        const escalation = escalations?.get(v.id);
        return escalation ? { ...row, escalation } : row;
      }),
    );
  }

  async counts(actor: TaskActor): Promise<InboxCounts> {
    const total = async (queue: InboxQueue) => (await this.tasks.list({ queue, limit: 1 }, actor)).total;
    const [mine, groups, all] = await Promise.all([total('mine'), total('groups'), actor.canSeeAll ? total('all') : Promise.resolve(null)]);
    return { mine, groups, all };
  }

  async list(queue: InboxQueue, limit: number, actor: TaskActor): Promise<InboxListDto> {
    const at = this.clock().toISOString();
    const [page, counts] = await Promise.all([this.tasks.list({ queue, limit }, actor), this.counts(actor)]);
    return { queue, items: await this.rows(page.items), total: page.total, counts, at };
  }

  /** The order's active tasks the caller may work on or see held: open ones first, most urgent first. */
  async scan(orderNumber: string, actor: TaskActor): Promise<ScanResultDto> {
    const q = { businessKey: orderNumber, limit: 50 };
    const lists = actor.canSeeAll
      ? [await this.tasks.list({ ...q, queue: 'all' }, actor)]
      : await Promise.all([this.tasks.list({ ...q, queue: 'groups' }, actor), this.tasks.list({ ...q, queue: 'mine' }, actor), this.tasks.list({ ...q, queue: 'groups', status: 'claimed' }, actor)]);
    const byId = new Map<string, TaskView>();
    for (const l of lists) for (const v of l.items) byId.set(v.id, v);
    const rank = (v: TaskView) => (v.status === 'open' ? 0 : v.claimedBy === actor.id ? 1 : 2);
    const sorted = [...byId.values()].sort((a, b) => rank(a) - rank(b) || b.priority - a.priority || (a.dueAt ?? '~').localeCompare(b.dueAt ?? '~'));
    return { orderNumber, tasks: await this.rows(sorted) };
  }

  async listComments(taskId: string, actor: TaskActor): Promise<TaskCommentDto[]> {
    await this.tasks.get(taskId, actor); // 404 for a task the caller may not see
    const docs = await this.comments.find({ taskId }).sort({ at: 1 }).limit(500).toArray();
    return docs.map(commentView);
  }

  async addComment(taskId: string, text: string, actor: TaskActor): Promise<TaskCommentDto> {
    await this.tasks.get(taskId, actor);
    const doc: CommentDoc = { _id: crypto.randomUUID(), taskId, text, author: actor.label, authorId: actor.id, at: this.clock() };
    await this.comments.insertOne(doc);
    return commentView(doc);
  }

  /** Where bulk-complete progress goes (the socket gateway's room of the caller's own job; owner: their user id). */
  setProgressSink(sink: (e: ProgressEvent, owner: string | null) => void): void {
    this.progress = sink;
  }

  /** Completes tasks whose form needs no input (see bulk-complete.ts). */
  bulkComplete(taskIds: readonly string[], actor: TaskActor, jobId?: string): Promise<BulkCompleteOutcome> {
    return bulkComplete({ tasks: () => this.tasks, noInput: (k) => this.noInput(k), progress: (e) => this.progress?.(e, actor.id) }, taskIds, actor, jobId);
  }

  /** The ES module with the form's precompiled validators (see form-validator.ts). */
  async validatorModule(formKey: string): Promise<{ hash: string; code: string }> {
    const form = await this.deps.forms.get(formKey);
    if (!form) throw new NotFoundError(`Form ${formKey}`);
    return this.validators.get(form.schema);
  }
}

const commentView = (d: CommentDoc): TaskCommentDto => ({ id: d._id, taskId: d.taskId, text: d.text, author: d.author, at: d.at.toISOString() });
