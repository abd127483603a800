/** What the stuck-order watchdog answers (GET /api/operations/stuck), shared with the designer. */

export type StuckReason =
  | { kind: 'incident'; activityId: string; message: string; since: string }
  | { kind: 'task-unclaimed'; activityId: string; task: string; groups: string[]; since: string; dueAt: string | null }
  | { kind: 'task-claimed'; activityId: string; task: string; claimedBy: string; since: string; dueAt: string | null }
  | { kind: 'message'; activityId: string; message: string; since: string }
  | { kind: 'signal'; activityId: string; signal: string; since: string }
  | { kind: 'timer-missed'; activityId: string; dueAt: string }
  | { kind: 'no-progress'; since: string };

export interface StuckInstance {
  instanceId: string;
  processKey: string;
  businessKey: string | null;
  status: 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';
  lastProgressAt: string;
  /** minutes since the step's own limit passed (task due date, or the default limit) */
  overdueMinutes: number;
  reasons: StuckReason[];
}
