/**
 * The stuck-order watchdog: flows that made no progress for longer than their step allows, with
 * the reason an admin can act on (an incident, an unclaimed or overdue task, a message that never
 * came, a timer the pollers missed, or a command whose node died mid-way).
 * It reads the engine's collections with indexed queries only (no aggregation stages FerretDB lacks).
 */
import type { Connection } from 'mongoose';
import { engineCollections, type EngineCollections } from '../../engine';
import type { StuckInstance, StuckReason } from '../contracts/operations';

export type { StuckInstance, StuckReason };

export class WatchdogService {
  private readonly c: EngineCollections;

  constructor(
    connection: Connection,
    /** a step without its own due date may take this long before it counts as stuck */
    private readonly defaultLimitMinutes: number,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.c = engineCollections(connection);
  }

  async stuck(options: { limitMinutes?: number; max?: number } = {}): Promise<StuckInstance[]> {
    const now = this.clock().getTime();
    const limitMs = (options.limitMinutes ?? this.defaultLimitMinutes) * 60_000;
    const max = Math.min(options.max ?? 200, 1000);
    const active = await this.c.instances
      .find({ status: { $in: ['running', 'waiting'] } }, { projection: { state: 0, variables: 0 } })
      .sort({ updatedAt: 1 })
      .limit(5000)
      .toArray();
    const out: StuckInstance[] = [];
    for (const inst of active) {
      const reasons: StuckReason[] = [];
      let deadline = inst.updatedAt.getTime() + limitMs;
      if (inst.incident) {
        const incidents = await this.c.incidents.find({ instanceId: inst._id, status: 'open' }).toArray();
        for (const i of incidents) reasons.push({ kind: 'incident', activityId: i.activityId, message: i.message, since: i.createdAt.toISOString() });
        deadline = Math.min(deadline, ...incidents.map((i) => i.createdAt.getTime()));
      }
      const taskWaits = inst.waits.filter((w) => w.kind === 'task');
      const tasks = taskWaits.length ? await this.c.tasks.find({ instanceId: inst._id, status: { $in: ['open', 'claimed'] } }).toArray() : [];
      for (const t of tasks) {
        const due = t.dueAt?.getTime();
        const taskDeadline = due ?? t.createdAt.getTime() + limitMs;
        if (taskDeadline > now) continue;
        deadline = Math.min(deadline, taskDeadline);
        const common = { activityId: t.activityId, task: t.name ?? t.activityId, dueAt: t.dueAt?.toISOString() ?? null };
        if (t.status === 'claimed') reasons.push({ kind: 'task-claimed', ...common, claimedBy: t.claimedByLabel ?? t.claimedBy ?? '?', since: (t.claimedAt ?? t.createdAt).toISOString() });
        else reasons.push({ kind: 'task-unclaimed', ...common, groups: t.candidateGroups, since: t.createdAt.toISOString() });
      }
      const idle = now - inst.updatedAt.getTime() > limitMs;
      for (const w of inst.waits) {
        if (w.kind === 'message' && idle) reasons.push({ kind: 'message', activityId: w.activityId, message: w.name ?? w.refId ?? '?', since: inst.updatedAt.toISOString() });
        if (w.kind === 'signal' && idle) reasons.push({ kind: 'signal', activityId: w.activityId, signal: w.name ?? w.refId ?? '?', since: inst.updatedAt.toISOString() });
        // pollers fire due timers within seconds; one a minute late means no node is polling
        if (w.kind === 'timer' && w.dueAt && now - new Date(w.dueAt).getTime() > 60_000) {
          reasons.push({ kind: 'timer-missed', activityId: w.activityId, dueAt: new Date(w.dueAt).toISOString() });
          deadline = Math.min(deadline, new Date(w.dueAt).getTime());
        }
      }
      if (!inst.waits.length && !inst.incident && idle) reasons.push({ kind: 'no-progress', since: inst.updatedAt.toISOString() });
      if (!reasons.length) continue;
      out.push({
        instanceId: inst._id,
        processKey: inst.processKey,
        businessKey: inst.businessKey,
        status: inst.status,
        lastProgressAt: inst.updatedAt.toISOString(),
        overdueMinutes: Math.max(0, Math.round((now - deadline) / 60_000)),
        reasons,
      });
      if (out.length >= max) break;
    }
    return out.sort((a, b) => b.overdueMinutes - a.overdueMinutes);
  }
}
