/**
 * One poller per node. A due job (timer or service retry) is claimed with an atomic
 * findOneAndUpdate that sets a lease, so whichever node is free runs it, once; the instance lease
 * and revision check then make the engine fire the timer exactly once. A job whose instance is busy
 * is handed back with a short delay. Every few passes the runtime also sweeps crashed starts and
 * pending outboxes.
 */
import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '../../workflows/model/errors';
import type { EngineCollections, JobDoc } from '../persistence/store';
import type { WorkflowRuntime } from '../runtime/runtime';

export class JobPoller {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private current: Promise<number> | undefined;
  private passes = 0;
  private stopped = true;
  private halted = false;

  constructor(
    private readonly deps: {
      collections: EngineCollections;
      runtime: WorkflowRuntime;
      logger: Logger;
      intervalMs: number;
      leaseMs: number;
      concurrency: number;
      clock: () => Date;
    },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halted = false;
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.runOnce();
        if (++this.passes % 5 === 0) await this.deps.runtime.sweep();
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, 'job poll failed');
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.deps.intervalMs);
    };
    this.timer = setTimeout(tick, Math.round(Math.random() * this.deps.intervalMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current?.catch(() => undefined);
  }

  /** Claims and runs due jobs until none is left (at most `concurrency` at once). */
  runOnce(): Promise<number> {
    if (this.running && this.current) return this.current;
    this.running = true;
    this.current = this.drain().finally(() => {
      this.running = false;
    });
    return this.current;
  }

  private async drain(): Promise<number> {
    let ran = 0;
    const worker = async () => {
      for (;;) {
        if (this.halted) return;
        const job = await this.claim();
        if (!job) return;
        await this.process(job);
        ran++;
      }
    };
    await Promise.all(Array.from({ length: this.deps.concurrency }, worker));
    return ran;
  }

  private owner = `poller#${Math.random().toString(36).slice(2, 8)}`;

  private async claim(): Promise<JobDoc | null> {
    const now = this.deps.clock();
    return this.deps.collections.jobs.findOneAndUpdate(
      { dueAt: { $lte: now }, $or: [{ leaseOwner: null }, { leaseUntil: { $lt: now } }] },
      { $set: { leaseOwner: `${this.deps.runtime.nodeId}/${this.owner}`, leaseUntil: new Date(now.getTime() + this.deps.leaseMs) } },
      { sort: { dueAt: 1 }, returnDocument: 'after' },
    );
  }

  private async process(job: JobDoc): Promise<void> {
    const jobs = this.deps.collections.jobs;
    const mine = { _id: job._id, leaseOwner: job.leaseOwner };
    try {
      if (job.kind === 'timer') await this.deps.runtime.command(job.instanceId, { kind: 'timer' }, { waitMs: 0 });
      else await this.deps.runtime.command(job.instanceId, { kind: 'retry', executionId: job.executionId }, { waitMs: 0 });
      // the save re-arms a job that is still needed (and clears its lease); otherwise it is done
      await jobs.deleteOne(mine);
    } catch (err) {
      const busy = err instanceof ConflictError && (err.extensions as { busy?: boolean } | undefined)?.busy;
      if (busy) {
        await jobs.updateOne(mine, { $set: { leaseOwner: null, leaseUntil: null, dueAt: new Date(this.deps.clock().getTime() + 200) } });
      } else if (err instanceof ConflictError || err instanceof NotFoundError) {
        await jobs.deleteOne(mine);
      } else {
        this.deps.logger.warn({ err: (err as Error).message, job: job._id }, 'job failed; retrying later');
        await jobs.updateOne(mine, { $set: { leaseOwner: null, leaseUntil: null, lastError: (err as Error).message, dueAt: new Date(this.deps.clock().getTime() + 5000) } });
      }
    }
  }
}
