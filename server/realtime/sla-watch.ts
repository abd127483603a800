/**
 * SLA warnings: every few seconds, active tasks whose due date is near ('soon', SLA_SOON_MS) or past
 * ('overdue') are announced once per level on the task's rooms (task.sla). "Once" holds across nodes:
 * a node announces only after inserting the mark `<taskId>:<level>` (an _id insert is atomic
 * everywhere). The level announced is then kept on the task (`slaWarned`, an update by exact _id, the
 * only filter FerretDB pushes down), so each look reads only tasks still owed a warning, earliest due
 * first, at most `batch` of them: a backlog of overdue tasks is worked through, never re-read.
 */
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { SLA_SOON_MS, type SlaEvent } from '../contracts/realtime';
import type { Logger } from '../infra/logger';
import type { RealtimeGateway } from './realtime.gateway';
import type { FactsByKeys } from '../api/tasks/task-actor';

interface DueTask {
  _id: string;
  status: string;
  businessKey?: string | null;
  dueAt: Date | null;
  candidateGroups: string[];
  candidateUsers: string[];
  assignee: string | null;
  claimedBy: string | null;
  claimedByLabel: string | null;
  /** the last level announced for this task */
  slaWarned?: 'soon' | 'overdue' | null;
}

export interface SlaWatchOptions {
  /** a task due within this is 'soon' (default SLA_SOON_MS, the inbox's threshold too) */
  soonMs?: number;
  /** most tasks read per look (default 1000) */
  batch?: number;
  /** how often to look (default 15 s) */
  intervalMs?: number;
  clock?: () => Date;
}

export class SlaWatch {
  private readonly tasks: Collection<DueTask>;
  private readonly marks: Collection<{ _id: string; at: Date }>;
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<number>;
  private readonly soonMs: number;
  private readonly clock: () => Date;

  constructor(
    connection: Connection,
    /** facts: the orders' channel and warehouse, so a warning reaches only sockets whose record scope holds the order */
    private readonly deps: { realtime: Pick<RealtimeGateway, 'publishSla'>; logger: Logger; facts?: FactsByKeys },
    private readonly options: SlaWatchOptions = {},
  ) {
    this.tasks = connection.collection('tasks') as unknown as Collection<DueTask>;
    this.marks = connection.collection('taskSlaMarks') as unknown as Collection<{ _id: string; at: Date }>;
    this.soonMs = options.soonMs ?? SLA_SOON_MS;
    this.clock = options.clock ?? (() => new Date());
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 15_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One look: returns how many warnings this node sent. */
  tick(): Promise<number> {
    if (!this.running) {
      this.running = this.scan()
        .catch((err) => {
          this.deps.logger.warn({ err }, 'SLA watch failed');
          return 0;
        })
        .finally(() => (this.running = undefined));
    }
    return this.running;
  }

  private async scan(): Promise<number> {
    const now = this.clock();
    const due = await this.tasks
      .find(
        {
          status: { $in: ['open', 'claimed'] },
          dueAt: { $ne: null, $lte: new Date(now.getTime() + this.soonMs) },
          // not yet announced at all, or announced as soon and now past due
          $or: [{ slaWarned: { $exists: false } }, { slaWarned: null }, { slaWarned: 'soon', dueAt: { $lte: now } }],
        },
        { projection: { _id: 1, status: 1, businessKey: 1, dueAt: 1, candidateGroups: 1, candidateUsers: 1, assignee: 1, claimedBy: 1, claimedByLabel: 1 } },
      )
      .sort({ dueAt: 1, _id: 1 })
      .limit(this.options.batch ?? 1000)
      .toArray();
    const keys = [...new Set(due.flatMap((t) => (t.businessKey ? [t.businessKey] : [])))];
    const facts = this.deps.facts && keys.length ? await this.deps.facts(keys) : new Map();
    let sent = 0;
    for (const t of due) {
      const level: SlaEvent['level'] = t.dueAt! <= now ? 'overdue' : 'soon';
      const first = await this.marks.insertOne({ _id: `${t._id}:${level}`, at: now }).then(
        () => true,
        (err: { code?: number }) => {
          if (err.code === 11000) return false; // already announced (here or on another node)
          throw err;
        },
      );
      await this.tasks.updateOne({ _id: t._id }, { $set: { slaWarned: level } });
      if (!first) continue;
      const holder = t.status === 'claimed' ? (t.claimedByLabel ?? t.assignee ?? t.claimedBy) : null;
      this.deps.realtime.publishSla({ taskId: t._id, level, dueAt: t.dueAt!.toISOString(), at: now.toISOString(), candidateGroups: t.candidateGroups, candidateUsers: t.candidateUsers, assignee: holder }, (t.businessKey && facts.get(t.businessKey)) || null);
      sent++;
    }
    return sent;
  }
}
