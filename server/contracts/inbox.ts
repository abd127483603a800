/**
 * The operators' inbox read model, shared by server/api/inbox and designer/tasks: tasks with the
 * business fields of their order (inbox columns), per-queue counts, comments and scan look-ups.
 * Task commands (claim, unclaim, assign, complete) are the task API's (/api/tasks).
 */
import type { TaskView } from '../../workflows/bpmn/views';
import type { TaskEscalation, TaskEvent } from './realtime';

export const INBOX_QUEUES = ['mine', 'groups', 'all'] as const;
export type InboxQueue = (typeof INBOX_QUEUES)[number];

/** Order fields shown as inbox columns. */
export interface TaskFields {
  [key: string]: string | number | boolean | null | undefined;
  channel?: string;
  customer?: string;
  /** order total in major units */
  amount?: number;
  currency?: string;
  warehouse?: string | null;
  /** the order's SKUs, comma-separated */
  sku?: string;
  lines?: number;
  orderStatus?: string;
  /** the subject of a mail waiting for data entry */
  subject?: string;
}

export interface InboxTaskDto extends Omit<TaskEvent, 'taskId' | 'by' | 'at' | 'fields' | 'version' | 'createdAt' | 'formKey' | 'noInput' | 'processKey'> {
  id: string;
  processKey: string;
  /** e-mail of whoever holds the task (claimed or assigned), else null */
  assignee: string | null;
  createdAt: string;
  claimedAt: string | null;
  version: number;
  formKey: string | null;
  noInput: boolean;
  fields: TaskFields;
  /** set when a boundary timer escalated the task */
  escalation?: TaskEscalation;
}

export interface InboxCounts {
  mine: number;
  groups: number;
  /** null without tasks.all */
  all: number | null;
}

export interface InboxListDto {
  queue: InboxQueue;
  items: InboxTaskDto[];
  total: number;
  counts: InboxCounts;
  /** server time the list was read (the client merges live events newer than this) */
  at: string;
}

export interface TaskCommentDto {
  id: string;
  taskId: string;
  text: string;
  author: string;
  at: string;
}

/** A scanned order number: its open tasks the caller may see, most urgent first. */
export interface ScanResultDto {
  orderNumber: string;
  tasks: InboxTaskDto[];
}

/** Bulk complete: tasks whose form needs no input, completed one after the other (progress on `job:<jobId>`). */
export interface BulkCompleteResultDto {
  total: number;
  completed: string[];
  failed: Array<{ taskId: string; message: string }>;
}

/** Who holds a task, as the inbox shows it: the e-mail of whoever claimed it or was assigned it. */
export const holderOf = (v: Pick<TaskView, 'status' | 'claimedByLabel' | 'claimedBy' | 'assignee'>): string | null =>
  v.status === 'claimed' ? (v.claimedByLabel ?? v.assignee ?? v.claimedBy) : null;

/** The fields a task event and an inbox row share, from a task as the task API returns it. */
function common(v: TaskView) {
  return {
    instanceId: v.instanceId,
    processKey: v.processKey,
    elementId: v.activityId,
    name: v.name ?? v.activityId,
    businessKey: v.businessKey,
    candidateGroups: v.candidateGroups,
    candidateUsers: v.candidateUsers,
    assignee: holderOf(v),
    status: v.status,
    priority: v.priority,
    dueAt: v.dueAt,
    createdAt: v.createdAt,
    formKey: v.formKey,
    version: v.version,
  };
}

const definedOnly = (f: TaskFields) => Object.fromEntries(Object.entries(f).filter(([, x]) => x !== undefined)) as Record<string, string | number | boolean | null>;

/** The socket event for a task (server: every change; designer: a command's answer, applied at once). */
export function taskEventOf(v: TaskView, extra: { at: string; by?: string | null; fields?: TaskFields; noInput?: boolean }): TaskEvent {
  return {
    taskId: v.id,
    ...common(v),
    by: extra.by ?? null,
    at: extra.at,
    ...(extra.fields ? { fields: definedOnly(extra.fields) } : {}),
    ...(extra.noInput !== undefined ? { noInput: extra.noInput } : {}),
  };
}

/** An inbox row. */
export function inboxTaskOf(v: TaskView, fields: TaskFields | undefined, noInput: boolean): InboxTaskDto {
  return { id: v.id, ...common(v), claimedAt: v.claimedAt, noInput, fields: fields ? definedOnly(fields) : {} };
}
