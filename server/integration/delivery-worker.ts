/**
 * Delivers outbound webhooks from the outbox. Each node may run a worker; a delivery is claimed
 * with a lease (atomic findOneAndUpdate), so two workers never send the same delivery at once and
 * a worker that dies mid-way leaves a lease that simply runs out — the next worker delivers it.
 * Writes after sending are fenced by the lease owner. Delivery is at-least-once; receivers dedupe
 * on X-Ordo-Delivery.
 */
import crypto from 'node:crypto';
import type { Connection, Types } from 'mongoose';
import { ConnectorError, HttpTransport, backoffDelay, parseRetryAfter, type AllowableNetwork } from '../../connectors';
import type { Logger } from '../infra/logger';
import type { SecretBox } from './secret-box';
import { signPayload } from './signature';
import { webhookModels, type DeliveryDoc, type WebhookModels } from './webhooks.models';

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
  async fanOut(limit = 200): Promise<number> {
    const events = await this.m.Outbox.find({ fannedOut: false }).sort({ occurredAt: 1 }).limit(limit).lean();
    if (events.length === 0) return 0;
    const subs = await this.m.Subscription.find({ active: true }, { events: 1 }).lean();
    let created = 0;
    for (const ev of events) {
      for (const s of subs.filter((x) => x.events.includes(ev.type))) {
        try {
          const res = await this.m.Delivery.updateOne(
            { eventId: ev.eventId, subscriptionId: s._id },
            { $setOnInsert: { eventId: ev.eventId, eventType: ev.type, subscriptionId: s._id, status: 'pending', attempts: 0, nextAttemptAt: new Date(), leaseOwner: null, leaseUntil: null, claimSeq: 0, log: [] } },
            { upsert: true },
          );
          created += res.upsertedCount;
        } catch (err) {
          // another worker fanned the same event out at the same moment: the unique index kept one
          if ((err as { code?: number }).code !== 11000) throw err;
        }
      }
      await this.m.Outbox.updateOne({ _id: ev._id }, { $set: { fannedOut: true } });
    }
    return created;
  }

  /**
   * Claims one due delivery under a lease; undefined when none is due. The claim is won by
   * inserting a unique claim id, then confirmed on a fresh read, so two workers (or two lanes of
   * one worker) never send the same delivery at once — on MongoDB and on FerretDB alike.
   */
  async claim(): Promise<DeliveryDoc | undefined> {
    for (let round = 0; round < 3; round++) {
      const now = new Date();
      const due = await this.m.Delivery.find({ status: 'pending', nextAttemptAt: { $lte: now }, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] })
        .sort({ nextAttemptAt: 1 })
        .limit(16)
        .lean();
      if (due.length === 0) return undefined;
      for (const d of due) {
        const seq = (d.claimSeq ?? 0) + 1;
        try {
          await this.m.Claim.create({ _id: `${d._id}:${seq}`, deliveryId: d._id, owner: this.owner, at: now });
        } catch (err) {
          if ((err as { code?: number }).code === 11000) continue;
          throw err;
        }
        const fresh = await this.m.Delivery.findById(d._id).lean();
        const free = fresh && fresh.status === 'pending' && (fresh.claimSeq ?? 0) === seq - 1 && (!fresh.leaseUntil || fresh.leaseUntil < now);
        if (!free) continue;
        const token = `${this.owner}#${seq}`;
        const leaseUntil = new Date(now.getTime() + this.opts.leaseMs);
        await this.m.Delivery.updateOne({ _id: d._id }, { $set: { claimSeq: seq, leaseOwner: token, leaseUntil } });
        return { ...fresh, claimSeq: seq, leaseOwner: token, leaseUntil };
      }
    }
    return undefined;
  }

  /** Sends one claimed delivery and records the outcome (only while this worker still holds the lease). */
  async deliver(d: DeliveryDoc): Promise<'delivered' | 'retry' | 'failed' | 'lost-lease'> {
    const [current, sub, ev] = await Promise.all([this.m.Delivery.findById(d._id, { leaseOwner: 1, leaseUntil: 1 }).lean(), this.m.Subscription.findById(d.subscriptionId).lean(), this.m.Outbox.findOne({ eventId: d.eventId }).lean()]);
    if (!current || current.leaseOwner !== d.leaseOwner || !current.leaseUntil || current.leaseUntil < new Date()) return 'lost-lease';
    const attempt = d.attempts + 1;
    const started = performance.now();
    let status: number | undefined;
    let responseBody: string | undefined;
    let error: string | undefined;
    let retryAfterMs: number | undefined;
    if (!sub || !ev) {
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
    const permanent = !sub || !ev;
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
    if (outcome !== 'retry') await this.m.Claim.deleteMany({ deliveryId: d._id });
    if (outcome !== 'delivered') this.o.logger.info({ deliveryId: String(d._id), attempt, status, error, outcome }, 'webhook delivery not acknowledged');
    return outcome;
  }

  /** One pass: fan out new events, then deliver everything due (bounded). */
  async runOnce(maxDeliveries = 1000): Promise<{ fannedOut: number; delivered: number; retried: number; failed: number }> {
    const totals = { fannedOut: await this.fanOut(), delivered: 0, retried: 0, failed: 0 };
    let budget = maxDeliveries;
    const lane = async () => {
      while (budget > 0 && !this.stopped) {
        budget--;
        const d = await this.claim();
        if (!d) return;
        const r = await this.deliver(d);
        if (r === 'delivered') totals.delivered++;
        else if (r === 'retry') totals.retried++;
        else if (r === 'failed') totals.failed++;
      }
    };
    await Promise.all(Array.from({ length: this.opts.concurrency }, lane));
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

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Puts a delivery back in the queue now (keeps its log). */
  static async replay(connection: Connection, id: Types.ObjectId | string): Promise<DeliveryDoc | null> {
    const { Delivery } = webhookModels(connection);
    return Delivery.findOneAndUpdate({ _id: id }, { $set: { status: 'pending', attempts: 0, nextAttemptAt: new Date(), leaseOwner: null, leaseUntil: null } }, { returnDocument: 'after' }).lean();
  }
}
