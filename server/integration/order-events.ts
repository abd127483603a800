/**
 * Moves outbound order events from the order documents (where the order update wrote them, see
 * ORDER_EVENT_QUEUE in server/orders/orders.service.ts) into the webhook outbox. The orders
 * service does this right after each write; this poller is the path that survives a crash in
 * between: it reads the small queue of marked orders, claims each order under a lease, hands its
 * pending events over and removes the queue entry.
 *
 * A claim is the insert of `<number>@<mark time>#<n>` (a unique _id insert is the only claim that
 * holds on FerretDB 1.24); a claim whose holder died runs out and the next n is claimed. Handing
 * an event over twice is harmless: the webhook outbox is unique by the event's deterministic id.
 */
import crypto from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from '../infra/logger';
import { PollLoop } from '../infra/poll-loop';
import { ORDER_EVENT_QUEUE, type OrderEventQueueDoc } from '../orders/orders.service';

export const ORDER_EVENT_CLAIMS = 'orderEventClaims';

/** What the dispatcher needs from the orders service. */
export interface OutboundEventSource {
  dispatchOutbound(number: string): Promise<number>;
  ordersWithOutbound(limit?: number): Promise<string[]>;
}

interface ClaimDoc {
  _id: string;
  owner: string;
  until: Date;
}

export interface OrderEventDispatcherOptions {
  connection: Connection;
  source: OutboundEventSource;
  logger: Logger;
  owner?: string;
  leaseMs?: number;
  /** how often the rare full scan of the orders runs (a mark lost to a non-isolated update on FerretDB) */
  sweepEveryMs?: number;
  /**
   * Marks younger than this are left to the node that wrote them (its fast path hands the events
   * over right after the write). Without it a poller on another node acks the same order at the same
   * time as that node's next write, and on FerretDB 1.24 one of the two updates is lost (seen in the
   * two-node soak: an order left at "printed" while its flow had completed). Default 0 (tests).
   */
  graceMs?: number;
}

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;

export class OrderEventDispatcher {
  readonly owner: string;
  private readonly queue: Collection<OrderEventQueueDoc>;
  private readonly claims: Collection<ClaimDoc>;
  private readonly leaseMs: number;
  private readonly sweepEveryMs: number;
  private readonly graceMs: number;
  private lastSweep = 0;
  private readonly loop: PollLoop;
  private stopped = false;

  constructor(private readonly o: OrderEventDispatcherOptions) {
    this.owner = o.owner ?? `events-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    this.queue = o.connection.collection(ORDER_EVENT_QUEUE) as unknown as Collection<OrderEventQueueDoc>;
    this.claims = o.connection.collection(ORDER_EVENT_CLAIMS) as unknown as Collection<ClaimDoc>;
    this.leaseMs = o.leaseMs ?? 30_000;
    this.sweepEveryMs = o.sweepEveryMs ?? 600_000;
    this.loop = new PollLoop(() => this.runOnce(), (err) => o.logger.warn({ err }, 'order event dispatcher pass failed'));
    this.graceMs = o.graceMs ?? 0;
  }

  /** Orders marked as holding outbound events (what a restarted node finds). */
  async queued(): Promise<string[]> {
    return (await this.queue.find({}, { projection: { _id: 1 } }).limit(1000).toArray()).map((d) => d._id);
  }

  /** One claim of one marked order: true when this dispatcher holds it now. */
  private async claim(entry: OrderEventQueueDoc): Promise<string | undefined> {
    const base = `${entry._id}@${new Date(entry.at).getTime()}`;
    for (let n = 1; n <= 50; n++) {
      const id = `${base}#${n}`;
      try {
        await this.claims.insertOne({ _id: id, owner: this.owner, until: new Date(Date.now() + this.leaseMs) });
        return id;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const held = await this.claims.findOne({ _id: id });
      if (held && held.until.getTime() > Date.now()) return undefined; // another node is on it
      // its holder died (or released it): the next claim number is free for one taker
    }
    return undefined;
  }

  /** One pass: (rarely) re-mark orders found by a scan, then hand over the events of every marked order. */
  async runOnce(): Promise<{ orders: number; events: number }> {
    const totals = { orders: 0, events: 0 };
    if (Date.now() - this.lastSweep >= this.sweepEveryMs) {
      this.lastSweep = Date.now();
      const at = new Date();
      for (const n of await this.o.source.ordersWithOutbound()) {
        await this.queue.updateOne({ _id: n }, { $setOnInsert: { at } }, { upsert: true }).catch((err) => {
          if (!isDuplicateKey(err)) throw err;
        });
      }
      await this.claims.deleteMany({ until: { $lt: new Date(Date.now() - 3_600_000) } });
    }
    const entries = await this.queue.find(this.graceMs ? { at: { $lt: new Date(Date.now() - this.graceMs) } } : {}).limit(200).toArray();
    for (const entry of entries) {
      if (this.stopped) break;
      const claimId = await this.claim(entry);
      if (!claimId) continue;
      try {
        totals.events += await this.o.source.dispatchOutbound(entry._id);
        totals.orders++;
        // removed only if no newer mark arrived meanwhile (a newer mark keeps it for the next pass)
        await this.queue.deleteOne({ _id: entry._id, at: entry.at });
      } catch (err) {
        this.o.logger.warn({ err, number: entry._id }, 'order events could not be handed to the webhook outbox; retrying');
      } finally {
        await this.claims.deleteOne({ _id: claimId, owner: this.owner });
      }
    }
    return totals;
  }

  start(pollMs: number): void {
    this.stopped = false;
    this.loop.start(pollMs, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }
}
