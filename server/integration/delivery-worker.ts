/**
 * Delivers outbound webhooks from the outbox. Each node may run a worker; a delivery is claimed
 * with a lease (atomic findOneAndUpdate), so two workers never send the same delivery at once and
 * a worker that dies mid-way leaves a lease that simply runs out — the next worker delivers it.
 * Writes after sending are fenced by the lease owner. Delivery is at-least-once; receivers dedupe
 * on X-Ordo-Delivery. A worker that stops gracefully hands the deliveries it is sending back at once.
 */
import crypto from 'node:crypto';
import type { Connection, Types } from 'mongoose';
import { ConnectorError, HttpTransport, backoffDelay, parseRetryAfter, type AllowableNetwork } from '../../connectors';
import type { Logger } from '../infra/logger';
import type { SecretBox } from './secret-box';
import { signPayload } from './signature';
import { webhookModels, type DeliveryDoc, type SubscriptionDoc, type WebhookModels } from './webhooks.models';

export interface DeliveryWorkerOptions {
  connection: Connection;
  box: SecretBox;
  transport: HttpTransport;
  logger: Logger;
  /** a stable name of this worker (node) */
  owner?: string;
  leaseMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** deliveries sent in parallel */
  concurrency?: number;
}

export const subscriptionAad = (id: string) => `webhook:${id}`;
const RESPONSE_LOG_LIMIT = 2000;

export class WebhookDeliveryWorker {
  readonly owner: string;
  private readonly m: WebhookModels;
  private readonly opts: Required<Omit<DeliveryWorkerOptions, 'connection' | 'box' | 'transport' | 'logger' | 'owner'>>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  /** deliveries being sent by this worker: delivery id → its lease token and attempt */
  private readonly sending = new Map<string, { id: Types.ObjectId; token: string; attempt: number; startedAt: number }>();

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.m = webhookModels(o.connection);
    this.owner = o.owner ?? `worker-${crypto.randomBytes(4).toString('hex')}`;
    this.opts = {
      leaseMs: o.leaseMs ?? 30_000,
      maxAttempts: o.maxAttempts ?? 8,
      baseDelayMs: o.baseDelayMs ?? 1000,
      maxDelayMs: o.maxDelayMs ?? 3_600_000,
      timeoutMs: o.timeoutMs ?? 10_000,
      concurrency: o.concurrency ?? 4,
    };
  }

  /** Turns new outbox events into one pending delivery per matching active subscription (idempotent). */
  async fanOut(limit = 500): Promise<number> {
    await this.sweepClaims();
    const events = await this.m.Outbox.find({ fannedOut: false }, { eventId: 1, type: 1 }).sort({ occurredAt: 1 }).limit(limit).lean();
    if (events.length === 0) return 0;
    const subs = await this.m.Subscription.find({ active: true }, { events: 1 }).lean();
    const now = new Date();
    const docs = events.flatMap((ev) =>
      subs
        .filter((x) => x.events.includes(ev.type))
        .map((s) => ({ eventId: ev.eventId, eventType: ev.type, subscriptionId: s._id, status: 'pending', attempts: 0, nextAttemptAt: now, leaseOwner: null, leaseUntil: null, claimSeq: 0, log: [] })),
    );
    let created = 0;
    if (docs.length) {
      try {
        created = (await this.m.Delivery.insertMany(docs, { ordered: false })).length;
      } catch (err) {
        // another worker fanned some of these out at the same moment: the unique index kept one of each
        const e = err as { code?: number; writeErrors?: Array<{ code?: number; err?: { code?: number } }>; insertedDocs?: unknown[] };
        const codes = e.writeErrors ? e.writeErrors.map((w) => w.code ?? w.err?.code) : [e.code];
        if (!codes.every((c) => c === 11000)) throw err;
        created = e.insertedDocs?.length ?? 0;
      }
    }
    await this.m.Outbox.updateMany({ _id: { $in: events.map((e) => e._id) } }, { $set: { fannedOut: true } });
    return created;
  }

  private lastSweep = 0;
  /** Claims are kept (a stale reader must keep losing on their ids) and dropped after an hour. */
  private async sweepClaims(): Promise<void> {
    if (Date.now() - this.lastSweep < 60_000) return;
    this.lastSweep = Date.now();
    await this.m.Claim.deleteMany({ at: { $lt: new Date(Date.now() - 3_600_000) } });
  }

  private dueFilter(now: Date) {
    return { status: 'pending' as const, nextAttemptAt: { $lte: now }, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] };
  }

  /** Due deliveries, oldest first (only the fields a claim needs). */
  private async due(limit: number): Promise<Array<Pick<DeliveryDoc, '_id' | 'claimSeq'>>> {
    // the lean projection matters on FerretDB: delivery logs are never read here
    return this.m.Delivery.find(this.dueFilter(new Date()), { _id: 1, claimSeq: 1 }).sort({ nextAttemptAt: 1 }).limit(limit).lean();
  }

  /**
   * Tries to claim one delivery under a lease. The claim is won by inserting a unique claim id,
   * then confirmed on a fresh read, so two workers (or two lanes of one worker) never send the
   * same delivery at once — on MongoDB and on FerretDB alike.
   */
  private async tryClaim(d: Pick<DeliveryDoc, '_id' | 'claimSeq'>): Promise<DeliveryDoc | undefined> {
    const now = new Date();
    const seq = (d.claimSeq ?? 0) + 1;
    try {
      await this.m.Claim.create({ _id: `${d._id}:${seq}`, deliveryId: d._id, owner: this.owner, at: now });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      return (await this.skipAbandonedClaim(d, seq)) ? this.tryClaim({ _id: d._id, claimSeq: seq }) : undefined;
    }
    // claim ids are never reused (kept for an hour), so whoever inserted <id>:<seq> owns this round
    const token = `${this.owner}#${seq}`;
    const leaseUntil = new Date(now.getTime() + this.opts.leaseMs);
    // the attempt is counted when it is claimed, so an attempt whose worker dies still counts
    const fresh = await this.m.Delivery.findOneAndUpdate({ _id: d._id }, { $set: { claimSeq: seq, leaseOwner: token, leaseUntil }, $inc: { attempts: 1 } }, { returnDocument: 'after' }).lean(); // no projection: FerretDB 1.24 findAndModify has none
    if (!fresh) return undefined;
    if (fresh.status !== 'pending') {
      await this.m.Delivery.updateOne({ _id: d._id, leaseOwner: token }, { $set: { leaseOwner: null, leaseUntil: null }, $inc: { attempts: -1 } });
      return undefined;
    }
    const previous = fresh.attempts - 1;
    if (previous > 0 && !fresh.log.some((l) => l.attempt === previous)) {
      // the worker of the previous attempt stopped before recording an outcome (its lease ran out)
      const entry = { at: now, attempt: previous, error: 'no outcome recorded: the worker stopped during this attempt', durationMs: 0 };
      await this.m.Delivery.updateOne({ _id: d._id, leaseOwner: token }, { $push: { log: entry } });
      this.o.logger.warn({ deliveryId: String(d._id), attempt: previous }, 'webhook delivery attempt was interrupted; retrying');
    }
    return { ...fresh, log: [] };
  }

  /**
   * Round <seq> was won by someone who never wrote it into the delivery: a worker that died between
   * the two writes, or an insert the driver retried after it had landed. Left alone, every later
   * claim would try the same id and lose: the delivery would be stuck, silently. Once the round is
   * older than a lease (its winner could no longer send: its lease would have run out), the
   * delivery moves on to the next round. Two workers doing this at once write the same number.
   */
  private async skipAbandonedClaim(d: Pick<DeliveryDoc, '_id' | 'claimSeq'>, seq: number): Promise<boolean> {
    const round = await this.m.Claim.findById(`${d._id}:${seq}`).lean();
    if (!round || Date.now() - round.at.getTime() < this.opts.leaseMs) return false;
    const res = await this.m.Delivery.updateOne({ _id: d._id, claimSeq: seq - 1 }, { $set: { claimSeq: seq } });
    if (!res.modifiedCount) return false;
    this.o.logger.warn({ deliveryId: String(d._id), round: seq, owner: round.owner }, 'webhook delivery claim was never recorded; moving on to the next round');
    return true;
  }

  /** Claims one due delivery under a lease; undefined when none is due. */
  async claim(): Promise<DeliveryDoc | undefined> {
    for (const d of await this.due(16)) {
      const won = await this.tryClaim(d);
      if (won) return won;
    }
    return undefined;
  }

  private subs = new Map<string, { at: number; doc: Promise<SubscriptionDoc | null> }>();
  /** Subscriptions change rarely: cached for a second per worker. */
  private subscription(id: Types.ObjectId): Promise<SubscriptionDoc | null> {
    const key = String(id);
    const hit = this.subs.get(key);
    if (hit && Date.now() - hit.at < 1000) return hit.doc;
    const doc = this.m.Subscription.findById(id).lean().exec();
    this.subs.set(key, { at: Date.now(), doc });
    return doc;
  }

  /** Sends one claimed delivery and records the outcome (only while this worker still holds the lease). */
  async deliver(d: DeliveryDoc): Promise<'delivered' | 'retry' | 'failed' | 'lost-lease'> {
    if (!d.leaseOwner || !d.leaseUntil || d.leaseUntil < new Date()) return 'lost-lease';
    const key = String(d._id);
    this.sending.set(key, { id: d._id, token: d.leaseOwner, attempt: d.attempts, startedAt: performance.now() });
    try {
      return await this.send(d);
    } finally {
      this.sending.delete(key);
    }
  }

  private async send(d: DeliveryDoc): Promise<'delivered' | 'retry' | 'failed' | 'lost-lease'> {
    const [sub, ev] = await Promise.all([this.subscription(d.subscriptionId), this.m.Outbox.findOne({ eventId: d.eventId }).lean()]);
    const attempt = d.attempts; // counted by the claim
    const started = performance.now();
    let status: number | undefined;
    let responseBody: string | undefined;
    let error: string | undefined;
    let retryAfterMs: number | undefined;
    if (attempt > this.opts.maxAttempts) {
      error = `gave up: ${attempt - 1} attempts were made and the last ones were interrupted`;
    } else if (!sub || !ev) {
      error = !sub ? 'the subscription was deleted' : 'the event is gone from the outbox';
    } else if (!sub.active) {
      error = 'the subscription is paused';
    } else {
      const body = JSON.stringify({ id: ev.eventId, type: ev.type, occurredAt: ev.occurredAt.toISOString(), data: JSON.parse(ev.payload) });
      const ts = Math.floor(Date.now() / 1000);
      const secret = this.o.box.open(sub.secret, subscriptionAad(String(sub._id)));
      const client = this.o.transport.client({ policy: { allowHosts: [], allowNetworks: sub.allowNetworks as AllowableNetwork[] } });
      try {
        const res = await client.send(
          {
            method: 'POST',
            url: sub.url,
            headers: {
              'content-type': 'application/json',
              'user-agent': 'Ordo-Webhooks/1',
              'x-ordo-event': ev.type,
              'x-ordo-event-id': ev.eventId,
              'x-ordo-delivery': String(d._id),
              'x-ordo-timestamp': String(ts),
              'x-ordo-signature': signPayload(secret, ts, body),
            },
            body,
          },
          { timeoutMs: this.opts.timeoutMs, maxResponseBytes: 64 * 1024 },
        );
        status = res.status;
        responseBody = res.text().slice(0, RESPONSE_LOG_LIMIT);
        retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      } catch (err) {
        error = err instanceof ConnectorError ? err.message : (err as Error).message;
      }
    }
    const ok = status !== undefined && status >= 200 && status < 300;
    const permanent = !sub || !ev || attempt > this.opts.maxAttempts;
    const outcome = ok ? 'delivered' : permanent || attempt >= this.opts.maxAttempts ? 'failed' : 'retry';
    const delay = Math.max(retryAfterMs ?? 0, backoffDelay(attempt, { baseDelayMs: this.opts.baseDelayMs, maxDelayMs: this.opts.maxDelayMs }));
    const entry = { at: new Date(), attempt, status, responseBody, error, durationMs: Math.round(performance.now() - started) };
    const set: Record<string, unknown> = { status: outcome === 'retry' ? 'pending' : outcome, attempts: attempt, leaseOwner: null, leaseUntil: null, lastStatus: status };
    if (outcome === 'delivered') set.deliveredAt = new Date();
    if (outcome === 'retry') set.nextAttemptAt = new Date(Date.now() + delay);
    const res = await this.m.Delivery.updateOne({ _id: d._id, leaseOwner: d.leaseOwner }, { $set: set, $push: { log: entry } });
    if (res.modifiedCount === 0) {
      this.o.logger.warn({ deliveryId: String(d._id), owner: d.leaseOwner }, 'webhook delivery lease was lost before recording the outcome');
      return 'lost-lease';
    }
    if (outcome !== 'delivered') this.o.logger.info({ deliveryId: String(d._id), attempt, status, error, outcome }, 'webhook delivery not acknowledged');
    return outcome;
  }

  /** One pass: fan out new events, then deliver everything due (bounded), `concurrency` at a time. */
  async runOnce(maxDeliveries = 1000): Promise<{ fannedOut: number; delivered: number; retried: number; failed: number }> {
    const totals = { fannedOut: await this.fanOut(), delivered: 0, retried: 0, failed: 0 };
    let budget = maxDeliveries;
    while (budget > 0 && !this.stopped) {
      const batch = await this.due(Math.min(budget, this.opts.concurrency * 16));
      if (batch.length === 0) break;
      let next = 0;
      let claimed = 0;
      const lane = async () => {
        while (next < batch.length && budget > 0 && !this.stopped) {
          const d = await this.tryClaim(batch[next++]);
          if (!d) continue;
          claimed++;
          budget--;
          const r = await this.deliver(d);
          if (r === 'delivered') totals.delivered++;
          else if (r === 'retry') totals.retried++;
          else if (r === 'failed') totals.failed++;
        }
      };
      await Promise.all(Array.from({ length: this.opts.concurrency }, lane));
      if (claimed === 0) break; // everything due is held by other workers
    }
    return totals;
  }

  start(pollMs: number): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .catch((err) => this.o.logger.warn({ err }, 'webhook worker pass failed'))
        .finally(() => {
          if (this.stopped) return;
          this.timer = setTimeout(tick, pollMs);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(tick, pollMs);
    this.timer.unref();
  }

  /**
   * Stops claiming and hands back the deliveries being sent: their lease is cleared (the attempt
   * stays counted, logged as interrupted), so another node's worker sends them now instead of after
   * the lease. A send that still answers here afterwards is fenced off (its lease token is gone).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const held = [...this.sending.values()];
    this.sending.clear();
    if (!held.length) {
      await this.running;
      return;
    }
    await Promise.all(
      held.map((h) => {
        const entry = { at: new Date(), attempt: h.attempt, error: 'no outcome recorded: the node stopped during this attempt and handed it back', durationMs: Math.round(performance.now() - h.startedAt) };
        return this.m.Delivery.updateOne({ _id: h.id, leaseOwner: h.token }, { $set: { leaseOwner: null, leaseUntil: null }, $push: { log: entry } }).catch((err) => this.o.logger.warn({ err, deliveryId: String(h.id) }, 'webhook delivery not handed back; its lease runs out'));
      }),
    );
    this.o.logger.info({ deliveries: held.length }, 'node stopping: webhook deliveries handed back');
  }

  /** Puts a delivery back in the queue now (keeps its log). */
  static async replay(connection: Connection, id: Types.ObjectId | string): Promise<DeliveryDoc | null> {
    const { Delivery } = webhookModels(connection);
    return Delivery.findOneAndUpdate({ _id: id }, { $set: { status: 'pending', attempts: 0, nextAttemptAt: new Date(), leaseOwner: null, leaseUntil: null } }, { returnDocument: 'after' }).lean();
  }
}
