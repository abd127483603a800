/**
 * Starts the order flow for every accepted order, after the intake answered (accepting an order
 * never waits for the engine). The work queue is the orderOutbox collection, written with the
 * order; it stays small (only orders whose flow has not started), so polling it is cheap even on
 * FerretDB, which scans whole collections for anything but `_id` lookups.
 *
 * One attempt = one lease document `<number>#<attempt>`; inserting it is the claim (atomic on
 * FerretDB and MongoDB), so two nodes never start the same order at the same attempt. A claim
 * whose holder died expires, and the next attempt number is claimed instead. The port must be
 * idempotent per business key (the order number): a node can die after starting but before
 * recording the start.
 */
import crypto from 'node:crypto';
import { NodeStoppingError } from '../../workflows/model/errors';
import type { OrderView } from '../../workflows/model/order';
import type { Logger } from '../infra/logger';
import { isDatabaseUnavailable } from '../db/unavailable';
import { isDuplicateKey, type OrderCollections } from './order.model';
import type { OrdersService } from './orders.service';

/** The port to the workflow runtime. */
export interface FlowStartPort {
  /** attempt > 1: an earlier attempt may have started the flow already (find it, do not start twice) */
  startFlow(order: OrderView, attempt: number): Promise<{ instanceId: string }>;
}

export interface FlowStarterOptions {
  leaseMs?: number;
  pollMs?: number;
  maxAttempts?: number;
  concurrency?: number;
}

export class FlowStarter {
  readonly nodeId = `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private readonly queue = new Set<string>();
  /** numbers being processed on this node: a sweep that finds their entries again leaves them to it */
  private readonly inFlight = new Set<string>();
  private stopped = false;
  private sweeping?: Promise<void>;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly concurrency: number;

  constructor(
    private readonly c: OrderCollections,
    private readonly orders: OrdersService,
    private readonly port: () => FlowStartPort,
    private readonly logger: Logger,
    options: FlowStarterOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 2_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.concurrency = options.concurrency ?? 4;
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.sweep(), this.pollMs);
    this.timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** Called after an order is written: start its flow soon, on this node. */
  enqueue(numbers: string[]): void {
    for (const n of numbers) this.queue.add(n);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < this.concurrency && this.queue.size > 0) {
      const number = this.queue.values().next().value as string;
      this.queue.delete(number);
      if (this.inFlight.has(number)) continue;
      this.inFlight.add(number);
      void this.process(number)
        .catch((err) =>
          isDatabaseUnavailable(err)
            ? this.logger.warn({ err: (err as Error).message, number }, 'order flow start interrupted: the database is not reachable; the sweep tries again')
            : this.logger.error({ err, number }, 'flow start failed unexpectedly'),
        )
        .finally(() => {
          this.inFlight.delete(number);
          this.pump();
        });
    }
  }

  /** Picks up due entries (orders accepted by a node that died, retries after a failure). */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const due = await this.c.outbox.find({ state: 'pending', nextAttemptAt: { $lte: new Date() } }).limit(200).toArray();
        for (const d of due) this.queue.add(d._id);
        this.pump();
      } catch (err) {
        this.logger.warn({ err }, 'flow starter sweep failed');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** Resolves once nothing is queued or running (tests, benches, graceful stop). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.queue.size > 0 || this.inFlight.size > 0) {
      if (Date.now() > until) throw new Error('flow starter did not become idle');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async claim(number: string, attempt: number): Promise<boolean> {
    try {
      await this.c.leases.insertOne({ _id: `${number}#${attempt}`, owner: this.nodeId, until: new Date(Date.now() + this.leaseMs) });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return false;
    }
  }

  async process(number: string): Promise<void> {
    const entry = await this.c.outbox.findOne({ _id: number });
    if (!entry || entry.state !== 'pending' || entry.nextAttemptAt.getTime() > Date.now()) return;
    let attempt = entry.attempts + 1;
    // the order is read while the claim is inserted (one round trip less per start); reading has no
    // effect, and the order is used only once the claim is this node's
    const order = this.orders.get(number).then(
      (view) => ({ view }),
      (err: unknown) => ({ err }),
    );
    if (!(await this.claim(number, attempt))) {
      const lease = await this.c.leases.findOne({ _id: `${number}#${attempt}` });
      if (!lease || lease.until.getTime() > Date.now()) return; // another node is on it
      // its holder died: this attempt counts as failed, claim the next one
      attempt += 1;
      if (!(await this.claim(number, attempt))) return;
    }
    // the start runs the flow to its first wait (rules, connectors, printing): on a loaded node that can
    // outlast the lease, and another node would then start a second instance; keep the claim alive
    const leaseId = `${number}#${attempt}`;
    const renew = setInterval(() => void this.c.leases.updateOne({ _id: leaseId, owner: this.nodeId }, { $set: { until: new Date(Date.now() + this.leaseMs) } }).catch(() => undefined), Math.max(100, Math.floor(this.leaseMs / 3)));
    try {
      await this.startClaimed(number, attempt, entry.createdAt, await order);
    } finally {
      clearInterval(renew);
    }
  }

  private async startClaimed(number: string, attempt: number, createdAt: Date, read: { view: OrderView } | { err: unknown }): Promise<void> {
    if (!('view' in read)) {
      // the intake that wrote this entry failed before its order existed (it removes the entry
      // itself; this covers a node that died in between)
      if (Date.now() - createdAt.getTime() > 60_000) await this.c.outbox.deleteOne({ _id: number });
      else await this.c.outbox.updateOne({ _id: number }, { $set: { attempts: attempt, nextAttemptAt: new Date(Date.now() + 5_000) } });
      return;
    }
    const order = read.view;
    try {
      const { instanceId } = await this.port().startFlow(order, attempt);
      await this.orders.afterFlowStarted(await this.orders.markFlowStarted(number, instanceId, attempt));
      await this.c.outbox.deleteOne({ _id: number });
      // one delete by _id per attempt: FerretDB 1.24 runs an `$in` filter as a scan of every lease
      await Promise.all(Array.from({ length: attempt }, (_, i) => this.c.leases.deleteOne({ _id: `${number}#${i + 1}` })));
    } catch (err) {
      if (err instanceof NodeStoppingError) {
        // the runtime of this stopping node ended the start unsaved: give the claim back (no failed
        // attempt), so another node's sweep claims the same attempt now instead of after the lease
        await this.c.leases.deleteOne({ _id: `${number}#${attempt}`, owner: this.nodeId });
        this.logger.info({ number, attempt }, 'node stopping: order flow start handed back');
        return;
      }
      const message = (err as Error)?.message ?? String(err);
      const failed = attempt >= this.maxAttempts;
      const backoff = Math.min(60_000 * 10, 1000 * 2 ** attempt);
      this.logger.warn({ err, number, attempt, failed }, 'starting the order flow failed');
      await this.c.outbox.updateOne({ _id: number }, { $set: { state: failed ? 'failed' : 'pending', attempts: attempt, nextAttemptAt: new Date(Date.now() + backoff), lastError: message } });
      await this.orders.markFlowAttempt(number, attempt, message, failed).catch(() => undefined);
    }
  }
}

/**
 * A real, minimal starter used until a workflow runtime is wired: it records each start in the
 * flowStarts collection (one document per order number, so a repeated start is a no-op).
 */
export class RecordingFlowStarter implements FlowStartPort {
  constructor(private readonly col: import('mongodb').Collection<{ _id: string; processKey: string; variables: Record<string, unknown>; at: Date }>) {}

  async startFlow(order: OrderView): Promise<{ instanceId: string }> {
    try {
      await this.col.insertOne({ _id: order.number, processKey: 'order-fulfilment', variables: { orderId: order.number, channel: order.channel, priority: order.priority }, at: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return { instanceId: `recorded:${order.number}` };
  }
}
