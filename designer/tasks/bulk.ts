/**
 * Bulk claim: the selected tasks are claimed one by one with the single claim call, so each gets the
 * server's answer (of two operators claiming the same task exactly one wins, the other hears 409).
 * Whatever was taken meanwhile is reported by name instead of stopping the rest.
 */
import type { TaskView } from '../../workflows/bpmn/views';

export interface BulkClaimResult<T> {
  claimed: TaskView[];
  failed: T[];
}

export async function claimEach<T extends { id: string }>(tasks: readonly T[], claim: (id: string) => Promise<TaskView>): Promise<BulkClaimResult<T>> {
  const out: BulkClaimResult<T> = { claimed: [], failed: [] };
  for (const task of tasks) {
    try {
      out.claimed.push(await claim(task.id));
    } catch {
      out.failed.push(task);
    }
  }
  return out;
}
