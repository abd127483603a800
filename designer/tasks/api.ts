/**
 * The calls the tasks area makes: the inbox read model (/api/inbox: lists with order fields,
 * comments, scan look-ups, form validators) and the task commands of the task API (/api/tasks).
 */
import type { TaskFormView, TaskView } from '../../workflows/bpmn/views';
import type { OrderDetailDto } from './order-types';
import type { BulkCompleteResultDto, InboxListDto, InboxQueue, InboxTaskDto, ScanResultDto, TaskCommentDto } from '../../server/contracts/inbox';
import { api } from '../app/api';

export type TaskDetail = TaskView & { form: TaskFormView | null };

const enc = encodeURIComponent;

export const tasksApi = {
  list: (queue: InboxQueue, signal?: AbortSignal) => api.get<InboxListDto>(`/api/inbox/tasks?queue=${queue}&limit=500`, { signal }),
  get: (id: string) => api.get<TaskDetail>(`/api/tasks/${enc(id)}`),
  claim: (id: string) => api.post<TaskView>(`/api/tasks/${enc(id)}/claim`),
  unclaim: (id: string) => api.post<TaskView>(`/api/tasks/${enc(id)}/unclaim`),
  /** userId: the user's id when known, else their e-mail (both name them in the task queues) */
  assign: (id: string, to: { userId: string; email: string }) => api.post<TaskView>(`/api/tasks/${enc(id)}/assign`, { userId: to.userId, label: to.email }),
  /** the holder hands a claimed task on (recorded as its owner) */
  delegate: (id: string, to: { userId: string; email: string }) => api.post<TaskView>(`/api/tasks/${enc(id)}/delegate`, { userId: to.userId, label: to.email }),
  complete: (id: string, data: Record<string, unknown>) => api.post<TaskView>(`/api/tasks/${enc(id)}/complete`, { data }),
  /** completes tasks whose form needs no input; progress goes to the socket room job:<jobId> */
  bulkComplete: (taskIds: string[], jobId?: string) => api.post<BulkCompleteResultDto>('/api/inbox/tasks/complete', { taskIds, ...(jobId ? { jobId } : {}) }),
  comments: (id: string) => api.get<TaskCommentDto[]>(`/api/inbox/tasks/${enc(id)}/comments`),
  addComment: (id: string, text: string) => api.post<TaskCommentDto>(`/api/inbox/tasks/${enc(id)}/comments`, { text }),
  scan: (orderNumber: string) => api.get<ScanResultDto>(`/api/inbox/scan/${enc(orderNumber)}`),
  order: (number: string) => api.get<OrderDetailDto>(`/api/orders/${enc(number)}`),
  /** the URL of the same-origin ES module with the form's precompiled validators */
  validatorUrl: (formKey: string) => `/api/inbox/forms/${enc(formKey)}/validator.js`,
};

export type { InboxTaskDto };
