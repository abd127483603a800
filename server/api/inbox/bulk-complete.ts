/**
 * Bulk complete: completes selected tasks whose form needs nothing typed (the form accepts {}), one
 * after the other, with progress on the caller's job room. A selection that holds a task the caller
 * may not see, or one whose form needs input, is refused as a whole before anything is completed;
 * a task someone else completes or claims meanwhile fails alone (reported per task).
 */
import type { TaskActor, TaskService } from '../../../engine';
import type { TaskView } from '../../../workflows/bpmn/views';
import { isAppError, ValidationError, type FieldIssue } from '../../../workflows/model/errors';
import type { BulkCompleteResultDto } from '../../contracts/inbox';
import type { ProgressEvent } from '../../contracts/realtime';

export interface BulkCompleteDeps {
  tasks(): TaskService;
  noInput(formKey: string | null): Promise<boolean>;
  progress?(e: ProgressEvent): void;
}

/** The result, and the business key (order) of each task selected: the audit log names the orders (record scopes). */
export type BulkCompleteOutcome = BulkCompleteResultDto & { businessKeys: Record<string, string | null> };

export async function bulkComplete(deps: BulkCompleteDeps, taskIds: readonly string[], actor: TaskActor, jobId?: string): Promise<BulkCompleteOutcome> {
  const tasks = deps.tasks();
  const issues: FieldIssue[] = [];
  const views: TaskView[] = [];
  for (const [i, id] of taskIds.entries()) {
    try {
      const view = await tasks.get(id, actor);
      if (!(await deps.noInput(view.formKey))) issues.push({ path: `taskIds.${i}`, message: `its form "${view.formKey}" needs input: open the task and complete it there` });
      views.push(view);
    } catch (err) {
      if (!isAppError(err) || err.status !== 404) throw err;
      issues.push({ path: `taskIds.${i}`, message: 'is not a task you may see' });
    }
  }
  if (issues.length) throw new ValidationError('Bulk complete takes only tasks whose form needs no input; nothing was completed', issues);

  const total = views.length;
  const completed: string[] = [];
  const failed: BulkCompleteResultDto['failed'] = [];
  const report = (status: ProgressEvent['status']) => jobId && deps.progress?.({ jobId, kind: 'tasks', done: completed.length + failed.length, total, status });
  report('running');
  for (const view of views) {
    try {
      await tasks.complete(view.id, {}, actor);
      completed.push(view.id);
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) {
        report('failed');
        throw err;
      }
      failed.push({ taskId: view.id, message: err.message });
    }
    report(completed.length + failed.length === total ? (failed.length === total ? 'failed' : 'completed') : 'running');
  }
  return { total, completed, failed, businessKeys: Object.fromEntries(views.map((v) => [v.id, v.businessKey])) };
}
