/**
 * One poller per node: finds due jobs (timers, service retries, outbox entries) and runs them.
 * Several nodes may pick the same job: the instance lock (persistence/locks) lets exactly one
 * command advance the instance, so a timer fires once; the others find it busy or nothing due.
 * Every few passes the runtime also sweeps crashed starts and old lock markers.
 */
import type { Logger } from 'pino';
import { ConflictError, NodeStoppingError, NotFoundError } from '../../workflows/model/errors';
import { OUTBOX_KINDS, type EngineCollections, type JobDoc } from '../persistence/store';
import type { WorkflowRuntime } from '../runtime/runtime';

export class JobPoller {
  private timer: NodeJS.Timeout | undefined;
  /** jobs running on this node; a slow one holds only its own slot, never the next poll */
  private readonly inFlight = new Map<string, { instanceId: string; kind: string; since: number; done: Promise<void> }>();
  private passes = 0;
  private lastPassAt: number | undefined;
  private stopped = true;
  private halted = false;

  constructor(
    private readonly deps: {
      collections: EngineCollections;
      runtime: WorkflowRuntime;
      logger: Logger;
      intervalMs: number;
      concurrency: number;
      clock: () => Date;
      /** a job whose instance does not exist is dropped only when older than this (its start may still be saving) */
      orphanAfterMs: number;
    },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halted = false;
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.fill();
        if (++this.passes % 5 === 0) await this.deps.runtime.sweep();
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, 'job poll failed');
      }
      this.lastPassAt = Date.now();
      if (!this.stopped) this.timer = setTimeout(tick, this.deps.intervalMs);
    };
    this.timer = setTimeout(tick, Math.round(Math.random() * this.deps.intervalMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  /** Runs every due job now, at most `concurrency` at once, and waits for them (tests and tools). Returns how many ran. */
  async runOnce(): Promise<number> {
    const queue = await this.dueQueue();
    let ran = 0;
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        if (this.halted) return;
        await this.launch(job);
        ran++;
      }
    };
    await Promise.all(Array.from({ length: this.deps.concurrency }, worker));
    return ran;
  }

  /** One poll: starts due jobs in the free slots and returns at once; the next poll fills the slots freed meanwhile. */
  private async fill(): Promise<void> {
    const free = this.deps.concurrency - this.inFlight.size;
    if (free <= 0 || this.halted) return;
    const busy = new Set([...this.inFlight.values()].map((f) => f.instanceId));
    const queue = (await this.dueQueue()).filter((j) => !this.inFlight.has(j._id) && (OUTBOX_KINDS.includes(j.kind) || !busy.has(j.instanceId)));
    for (const job of queue.slice(0, free)) void this.launch(job);
  }

  private async dueQueue(): Promise<JobDoc[]> {
    const now = this.deps.clock();
    const due = await this.deps.collections.jobs.find({ dueAt: { $lte: now } }).sort({ dueAt: 1 }).limit(200).toArray();
    // one command per instance per pass: its save re-arms or drops the instance's other jobs
    const seen = new Set<string>();
    const queue = due.filter((j) => (OUTBOX_KINDS.includes(j.kind) ? true : seen.has(j.instanceId) ? false : (seen.add(j.instanceId), true)));
    // each node in its own order: nodes polling the same due jobs mostly take different ones instead of queueing on the same locks
    for (let i = queue.length - 1; i > 0; i--) {
      const k = Math.floor(Math.random() * (i + 1));
      [queue[i], queue[k]] = [queue[k], queue[i]];
    }
    return queue;
  }

  /** Runs a job, or joins the run already in flight on this node. */
  private launch(job: JobDoc): Promise<void> {
    const running = this.inFlight.get(job._id);
    if (running) return running.done;
    const done = this.process(job)
      .catch((err) => this.deps.logger.warn({ err: (err as Error).message, job: job._id }, 'job failed; the next pass tries again'))
      .finally(() => this.inFlight.delete(job._id));
    this.inFlight.set(job._id, { instanceId: job.instanceId, kind: job.kind, since: Date.now(), done });
    return done;
  }

  /** What this poller is doing (diagnostics): the jobs it runs and for how long, and how long ago its last pass ended. */
  activity(): { jobs: Array<{ id: string; instanceId: string; kind: string; ms: number }>; lastPassAgoMs: number | null } {
    const now = Date.now();
    return {
      jobs: [...this.inFlight].map(([id, j]) => ({ id, instanceId: j.instanceId, kind: j.kind, ms: now - j.since })),
      lastPassAgoMs: this.lastPassAt === undefined ? null : now - this.lastPassAt,
    };
  }

  private async process(job: JobDoc): Promise<void> {
    const { runtime, collections, logger } = this.deps;
    try {
      if (OUTBOX_KINDS.includes(job.kind)) await runtime.runOutboxJob(job);
      else if (job.kind === 'timerStart') await runtime.runTimerStart(job);
      else if (job.kind === 'watch') await runtime.recoverNode(job);
      else if (job.kind === 'timer') await runtime.command(job.instanceId, { kind: 'timer' }, { waitMs: 0, jobId: job._id });
      else if (job.kind === 'retry') await runtime.command(job.instanceId, { kind: 'retry', executionId: job.executionId }, { waitMs: 0, jobId: job._id });
    } catch (err) {
      const busy = err instanceof ConflictError && (err.extensions as { busy?: boolean } | undefined)?.busy;
      if (busy) return; // another command holds the instance; the next pass tries again
      if (err instanceof NodeStoppingError) return; // this node is stopping: the job stays due for the others
      if (err instanceof NotFoundError && job.createdAt.getTime() > this.deps.clock().getTime() - this.deps.orphanAfterMs) {
        // a start writes its jobs before inserting the instance: under load its first timer can fall due before the insert
        return;
      }
      if (err instanceof NotFoundError || (err instanceof ConflictError && /is (completed|cancelled|failed)/.test(err.message))) {
        // nothing can write the jobs of a finished or deleted instance any more
        await collections.jobs.deleteOne({ _id: job._id });
        return;
      }
      logger.warn({ err: (err as Error).message, job: job._id }, 'job failed; the next pass tries again');
    }
  }
}
