/**
 * Orders: intake (normalise → validate → number → one insert with the flow-start record),
 * idempotency, flow-derived status, edits that reopen review, cancel and hold.
 *
 * Nothing is half-created: idempotency claims and the flow-start queue entry are written before
 * the order and removed again if the order insert fails. Status is only ever set through
 * applyStatus(), which the flow's built-in handlers call (order.setStatus).
 */
import crypto from 'node:crypto';
import type { Collection } from 'mongodb';
import { ConflictError, NodeStoppingError, NotFoundError, ServiceUnavailableError, UnprocessableError, ValidationError, type FieldIssue } from '../../workflows/model/errors';
import {
  CHANNELS,
  FINAL_STATUSES,
  type Channel,
  type OrderAllocation,
  type OrderEvent,
  type OrderInput,
  type OrderStatus,
  type OrderView,
} from '../../workflows/model/order';
import type { Logger } from '../infra/logger';
import type { AuditService } from '../audit/audit.service';
import { actorOf, type Principal } from '../auth/principal';
import { KeyedMutex } from './keyed-mutex';
import { normaliseOrderInput } from './normalise';
import { validateOrderInput } from './order-schema';
import { computeLines, computeTotals, totalsDiffer } from './totals';
import { reviewHash } from './review-hash';
import { isDuplicateKey, type OrderCollections, type OrderDoc, type OrderKeyDoc, type StoredEvent } from './order.model';
import { OrderNumbers, ORDER_NUMBER } from './order-number';
import { eventView, indexedOrder, orderView } from './order-view';
import { opsForNewOrder, opsForReviewEvent, opsForStatusChange } from './order-index';
import type { BucketOp, BucketStore } from './bucket-store';

/** how often a write retries when another node wrote the order first */
const WRITE_ATTEMPTS = 40;
/** a version claim older than this, on an order still at the version before, belongs to a writer that died */
const VERSION_CLAIM_STALE_MS = 30_000;
/** Backs off while another node holds the order's next step; gives up with a 503 after WRITE_ATTEMPTS. */
async function waitForOtherWriter(number: string, attempt: number): Promise<void> {
  if (attempt >= WRITE_ATTEMPTS) throw new ServiceUnavailableError(`Order ${number} is being changed by another server node; try again`);
  await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 40));
}

/** Statuses that need a valid approval (the approved hash must match the order as it is). */
const NEEDS_APPROVAL: readonly OrderStatus[] = ['allocated', 'printed', 'packed', 'shipped', 'delivered'];
const EDITABLE: readonly OrderStatus[] = ['received', 'in-review', 'on-hold', 'approved', 'allocated'];
const CANCELLABLE_UNTIL: readonly OrderStatus[] = ['shipped', 'delivered', 'cancelled', 'rejected'];

export type OrderAction = 'cancel' | 'hold' | 'release' | 'reopen-review';

/**
 * How an operator action reaches the running flow (a message to the instance). Returns true when
 * the flow took it (and will set the status through order.setStatus); false when no flow handles
 * it, in which case the order service applies the action itself.
 */
export interface FlowControl {
  request(order: OrderView, action: OrderAction, data: { reason?: string; actor: string }): Promise<boolean>;
}

export interface IntakeOptions {
  /** the channel this endpoint stands for (email, web, import, store); REST leaves it to the body */
  channel?: Channel;
  /** when the body may name its channel: the ones allowed, the first is the default */
  allowedChannels?: readonly Channel[];
  principal: Principal;
  /** label for the timeline when the caller is anonymous (web form, mail sender, store) */
  actorLabel?: string;
  idempotencyKey?: string;
  /** extra issues found by the channel before validation (merged into one 400) */
  attachments?: OrderDoc['attachments'];
  intakeNote?: string;
}

export interface IntakeResult {
  status: 200 | 201;
  order: OrderView;
  replayed: boolean;
}

export interface PreparedOrder {
  input: OrderInput;
  channel: Channel;
  requestHash: string;
}

export interface OrdersServiceDeps {
  collections: OrderCollections;
  buckets: BucketStore;
  numbers: OrderNumbers;
  audit: AuditService;
  logger: Logger;
  /** nudges the flow starter after an order is written */
  onAccepted?: (numbers: string[]) => void;
  flowControl?: () => FlowControl | undefined;
  /** outbound order events (webhooks): created, approved, allocated, printed, shipped, cancelled */
  events?: () => OrderEventSink | undefined;
  /** orders whose documents hold outbound events not yet handed to the sink (see ORDER_EVENT_QUEUE) */
  eventQueue?: Collection<OrderEventQueueDoc>;
}

export interface OrderEventSink {
  (event: { type: string; id: string; occurredAt: Date; data: Record<string, unknown> }): Promise<unknown>;
}

/**
 * The outbound-event outbox lives in the order document itself: the update that changes the order
 * also writes `outboundEvents.<key>` (one atomic single-document write, no transaction needed).
 * Before that update an entry `{_id: number}` goes into this small queue collection, so a
 * dispatcher finds the order after a crash without scanning the orders. The event is removed from
 * the order once the sink (the webhook outbox, unique by event id) has it.
 */
export const ORDER_EVENT_QUEUE = 'orderEventQueue';
export interface OrderEventQueueDoc {
  _id: string;
  /** when the last event was marked: the dispatcher removes the entry only if it is unchanged */
  at: Date;
}
export interface PendingOrderEvent {
  id: string;
  type: string;
  occurredAt: Date;
  /** the event data as JSON text (user keys may hold '.' or '$') */
  payload: string;
}
type WithOutbound = OrderDoc & { outboundEvents?: Record<string, PendingOrderEvent> };
const outboundKey = (version: number, type: string) => `v${version}_${type.replace(/[^A-Za-z0-9]/g, '_')}`;

const EVENT_OF: Partial<Record<OrderStatus, string>> = { approved: 'order.approved', allocated: 'order.allocated', printed: 'order.printed', shipped: 'order.shipped', cancelled: 'order.cancelled' };

/** Drops undefined members (the driver would store them as null), keeping Dates intact. */
export function stripUndefined<T>(v: T): T {
  if (Array.isArray(v)) return v.map(stripUndefined) as T;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, stripUndefined(x)])) as T;
  }
  return v;
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "WH-NORTH (CHAIR-OAK ×100), WH-SOUTH (RUG-WOOL ×10)" */
function splitSummary(lines: NonNullable<OrderAllocation['lines']>): string {
  const byWarehouse = new Map<string, string[]>();
  for (const l of lines) byWarehouse.set(l.warehouse, [...(byWarehouse.get(l.warehouse) ?? []), `${l.sku} ×${l.quantity}`]);
  return [...byWarehouse].map(([w, items]) => `${w} (${items.join(', ')})`).join(', ');
}

function event(e: Omit<StoredEvent, 'at' | 'detail'> & { detail?: unknown; at?: Date }): StoredEvent {
  return stripUndefined({ ...e, at: e.at ?? new Date(), detail: e.detail === undefined ? undefined : JSON.stringify(e.detail) });
}

export class OrdersService {
  private readonly mutex = new KeyedMutex();
  private readonly c: OrderCollections;
  private readonly backgroundDispatches = new Set<Promise<void>>();
  private dispatchStopped = false;

  constructor(private readonly deps: OrdersServiceDeps) {
    this.c = deps.collections;
  }

  /** Normalises and validates one order; throws a 400 naming every failing field. */
  prepare(raw: unknown, opts: Pick<IntakeOptions, 'channel' | 'allowedChannels'>, pathPrefix = ''): PreparedOrder {
    const normalised = normaliseOrderInput(raw) as Record<string, unknown>;
    const issues: FieldIssue[] = [];
    if (opts.channel) {
      if (normalised && typeof normalised === 'object' && 'channel' in normalised && normalised.channel !== opts.channel) {
        issues.push({ path: 'channel', message: `is set by this endpoint (${opts.channel})` });
      }
      if (normalised && typeof normalised === 'object') normalised.channel = opts.channel;
    }
    const check = validateOrderInput(normalised);
    if (!check.ok) issues.push(...check.issues);
    if (issues.length || !check.ok) {
      throw new ValidationError('The order does not match the order schema', issues.map((i) => ({ ...i, path: pathPrefix ? `${pathPrefix}.${i.path}` : i.path })));
    }
    const input = check.value;
    const allowed = opts.allowedChannels ?? CHANNELS;
    const channel = opts.channel ?? input.channel ?? allowed[0];
    if (!allowed.includes(channel)) {
      throw new ValidationError('The order does not match the order schema', [{ path: pathPrefix ? `${pathPrefix}.channel` : 'channel', message: `must be one of ${allowed.join(', ')} on this endpoint` }]);
    }
    input.channel = channel;
    return { input, channel, requestHash: sha256(JSON.stringify(input)) };
  }

  /** Builds the stored document (totals computed, hash of the reviewed fields, flow pending). */
  private buildDoc(number: string, p: PreparedOrder, opts: IntakeOptions, now: Date, importBatch?: string): OrderDoc {
    const { input } = p;
    const lines = computeLines(input);
    const totals = computeTotals(lines, input.currency, input.shippingCharge, input.taxRate);
    const actor = actorOf(opts.principal);
    const label = opts.actorLabel ?? actor.label;
    const attachments = [...(opts.attachments ?? []), ...(input.attachments ?? []).map((a) => ({ ...a, id: a.id ?? crypto.randomUUID() }))];
    const doc: OrderDoc = {
      _id: number,
      number,
      channel: p.channel,
      externalId: input.externalId,
      customer: input.customer,
      billingAddress: input.billingAddress,
      shippingAddress: input.shippingAddress,
      lines,
      currency: input.currency,
      shippingCharge: input.shippingCharge,
      taxRate: input.taxRate,
      totals,
      claimedTotals: input.totals,
      totalsMismatch: totalsDiffer(input.totals, totals, input.currency),
      priority: input.priority ?? 'normal',
      type: input.type ?? 'standard',
      requestedDeliveryDate: input.requestedDeliveryDate,
      notes: input.notes,
      attachments,
      status: 'received',
      statusSince: now,
      currentStep: 'received',
      review: { hash: reviewHash({ customer: input.customer, billingAddress: input.billingAddress, shippingAddress: input.shippingAddress, lines, currency: input.currency, totals }) },
      flow: { status: 'pending', attempts: 0 },
      events: [
        event({ at: now, kind: 'intake', status: 'received', message: `Order received via ${p.channel}${opts.intakeNote ? ` (${opts.intakeNote})` : ''}`, actor: label, public: true }),
      ],
      importBatch,
      createdBy: { ...actor, label },
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    for (const k of Object.keys(doc) as Array<keyof OrderDoc>) if (doc[k] === undefined) delete doc[k];
    return doc;
  }

  /** Stored documents for prepared orders, not written (bulk loads of historical orders: benches, demo data). */
  draftDocs(prepared: PreparedOrder[], opts: IntakeOptions, numbers: string[], at: Date[]): OrderDoc[] {
    return prepared.map((p, i) => this.buildDoc(numbers[i], p, opts, at[i]));
  }

  /** Inserts finished historical orders (their flows are over, so no flow starts); rebuild the index after. */
  async insertHistorical(docs: OrderDoc[]): Promise<void> {
    for (let i = 0; i < docs.length; i += 1000) await this.c.orders.insertMany(docs.slice(i, i + 1000), { ordered: false });
  }

  async allocateNumbers(year: number, n: number): Promise<string[]> {
    return this.deps.numbers.take(year, n);
  }

  private keysFor(p: PreparedOrder, opts: IntakeOptions): string[] {
    const keys: string[] = [];
    if (opts.idempotencyKey) {
      const caller = actorOf(opts.principal);
      keys.push(`idem:${caller.kind}:${caller.id ?? opts.actorLabel ?? 'anonymous'}:${opts.idempotencyKey}`);
    }
    if (p.input.externalId) keys.push(`ext:${p.channel}:${p.input.externalId}`);
    return keys;
  }

  /** Accepts one order from any channel. 201 + the order; a repeat (same key / external id) 200 + the same body. */
  async intake(raw: unknown, opts: IntakeOptions): Promise<IntakeResult> {
    const prepared = this.prepare(raw, opts);
    return this.accept(prepared, opts);
  }

  async accept(prepared: PreparedOrder, opts: IntakeOptions): Promise<IntakeResult> {
    const keys = this.keysFor(prepared, opts);
    const now = new Date();
    const number = await this.deps.numbers.next(now.getUTCFullYear());
    const doc: WithOutbound = this.buildDoc(number, prepared, opts, now);
    const view = orderView(doc);
    const receipt = JSON.stringify(view);
    const created = this.embedOutbound(doc, 'order.created', view);
    let markedAt: Date | undefined;
    const claimed: string[] = [];
    try {
      for (const key of keys) {
        const replay = await this.claimKey({ _id: key, number, requestHash: prepared.requestHash, receipt, at: now }, key.startsWith('idem:'));
        if (replay) {
          await this.releaseKeys(claimed);
          return { status: 200, order: JSON.parse(replay) as OrderView, replayed: true };
        }
        claimed.push(key);
      }
      await this.c.outbox.insertOne({ _id: number, state: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now });
      if (created) markedAt = await this.markOutbound([number]);
      try {
        await this.c.orders.insertOne(doc);
      } catch (err) {
        await this.c.outbox.deleteOne({ _id: number }).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      await this.releaseKeys(claimed);
      throw err;
    }
    this.index(opsForNewOrder(indexedOrder(doc)));
    this.deps.onAccepted?.([number]);
    if (markedAt) await this.dispatchNow(number, markedAt);
    return { status: 201, order: JSON.parse(receipt) as OrderView, replayed: false };
  }

  /**
   * Claims an idempotency key for `number` (insert = atomic claim). If the key exists, returns the
   * order it points to (a replay); waits briefly while a concurrent request with the same key
   * finishes, and takes over a claim whose order never appeared (its request died).
   */
  private async claimKey(claim: OrderKeyDoc, strictBody: boolean): Promise<string | undefined> {
    const key = claim._id;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.c.keys.insertOne({ ...claim, at: new Date() });
        return undefined;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const existing = await this.c.keys.findOne({ _id: key });
      if (!existing) continue;
      if (await this.c.orders.findOne({ _id: existing.number }, { projection: { _id: 1 } })) {
        if (strictBody && existing.requestHash !== claim.requestHash) {
          throw new UnprocessableError('This Idempotency-Key was already used with a different request body', [{ path: '(header) Idempotency-Key', message: 'reused with a different body' }]);
        }
        return existing.receipt;
      }
      if (Date.now() - new Date(existing.at).getTime() > 30_000) {
        await this.c.keys.deleteOne({ _id: key });
        continue;
      }
      if (attempt >= 40) throw new ConflictError('A request with the same key is still being processed; retry shortly');
      await sleep(50);
    }
  }

  private async releaseKeys(keys: string[]): Promise<void> {
    for (const key of keys) await this.c.keys.deleteOne({ _id: key }).catch(() => undefined);
  }

  /**
   * Writes an outbound event into the order document about to be stored (only while a sink is
   * wired). Its id is deterministic (number:version:type): handing it to the sink twice is one event.
   */
  private embedOutbound(doc: WithOutbound, type: string, view: OrderView): boolean {
    if (!this.deps.events?.()) return false;
    const { review: _r, flow: _f, ...data } = view;
    doc.outboundEvents = { ...doc.outboundEvents, [outboundKey(view.version, type)]: { id: `${view.number}:${view.version}:${type}`, type, occurredAt: new Date(view.updatedAt), payload: JSON.stringify(data) } };
    return true;
  }

  /** Marks orders as holding outbound events, before the write that embeds them. */
  private async markOutbound(numbers: string[]): Promise<Date> {
    const at = new Date();
    const q = this.deps.eventQueue;
    if (!q || numbers.length === 0) return at;
    for (const n of numbers) {
      await q.updateOne({ _id: n }, { $set: { at } }, { upsert: true }).catch((err) => {
        if (!isDuplicateKey(err)) throw err; // a concurrent mark made the same entry
      });
    }
    return at;
  }

  /** The fast path right after the write; if it fails (or the node dies first) the dispatcher's poller delivers. */
  private async dispatchNow(number: string, markedAt: Date): Promise<void> {
    try {
      await this.dispatchOutbound(number);
      // the mark goes only if no later write marked the order again
      await this.deps.eventQueue?.deleteOne({ _id: number, at: markedAt });
    } catch (err) {
      this.deps.logger.warn({ err, number }, 'order events stay queued for the dispatcher');
    }
  }

  /**
   * A batch's events go out after the batch is answered: inside the commit, one at a time, they kept
   * a file of 2,000 orders "committing" for minutes. What is not handed on when this node stops
   * stays queued for the dispatcher of any node.
   */
  private dispatchInBackground(numbers: string[], markedAt: Date): void {
    if (numbers.length === 0) return;
    // a few orders at a time (each is its own order write); more buys nothing on FerretDB
    let next = 0;
    const worker = async () => {
      while (next < numbers.length && !this.dispatchStopped) await this.dispatchNow(numbers[next++], markedAt);
    };
    const run = Promise.all(Array.from({ length: Math.min(4, numbers.length) }, worker)).then(() => undefined);
    this.backgroundDispatches.add(run);
    void run.finally(() => this.backgroundDispatches.delete(run));
  }

  /** Shutdown: background dispatches end at their next order (the rest stays queued) and are waited for. */
  async stopDispatching(): Promise<void> {
    this.dispatchStopped = true;
    await Promise.all([...this.backgroundDispatches]);
  }

  /** Hands the order's pending outbound events to the sink, oldest first, and removes them from the order. */
  async dispatchOutbound(number: string): Promise<number> {
    const sink = this.deps.events?.();
    if (!sink) return 0;
    const doc = (await this.c.orders.findOne({ _id: number }, { projection: { outboundEvents: 1 } })) as Pick<WithOutbound, 'outboundEvents'> | null;
    const pending = Object.entries(doc?.outboundEvents ?? {}).sort(([, a], [, b]) => new Date(a.occurredAt).getTime() - new Date(b.occurredAt).getTime() || a.id.localeCompare(b.id));
    const done: string[] = [];
    try {
      for (const [key, e] of pending) {
        await sink({ type: e.type, id: e.id, occurredAt: new Date(e.occurredAt), data: JSON.parse(e.payload) as Record<string, unknown> });
        done.push(key);
      }
    } finally {
      if (done.length) await this.ackOutbound(number, done);
    }
    return done.length;
  }

  /** Removes handed-over events (under the order's lock: an update here must not race this node's mutate). */
  private ackOutbound(number: string, keys: string[]): Promise<void> {
    return this.mutex.run(number, async () => {
      for (let attempt = 1; ; attempt++) {
        const doc = (await this.c.orders.findOne({ _id: number }, { projection: { outboundEvents: 1, version: 1 } })) as (Pick<WithOutbound, 'outboundEvents'> & { version?: number }) | null;
        if (!doc?.outboundEvents) return;
        // another node's write to this order must not run inside this update (FerretDB does not
        // isolate them): hold the order's next step while removing, then free it for the next writer
        const claim = await this.claimVersion(number, doc.version ?? 0);
        if (!claim) {
          await waitForOtherWriter(number, attempt);
          continue;
        }
        try {
          const left = Object.keys(doc.outboundEvents).filter((k) => !keys.includes(k));
          const $unset: Record<string, ''> = left.length ? Object.fromEntries(keys.map((k) => [`outboundEvents.${k}`, ''])) : { outboundEvents: '' };
          await this.c.orders.updateOne({ _id: number }, { $unset });
        } finally {
          await this.c.versionClaims.deleteOne({ _id: claim });
        }
        return;
      }
    });
  }

  /** Orders that still hold outbound events (a full scan: the dispatcher's rare safety sweep). */
  async ordersWithOutbound(limit = 1000): Promise<string[]> {
    const docs = await this.c.orders.find({ outboundEvents: { $exists: true } } as never, { projection: { _id: 1 } }).limit(limit).toArray();
    return docs.map((d) => d._id);
  }

  /** Queues the index and rollup changes (written behind, see bucket-store.ts). */
  private index(ops: Map<string, BucketOp[]>): void {
    this.deps.buckets.applyMany(ops);
  }

  /**
   * Accepts many prepared orders as one batch (imports): all keys are claimed first, then the
   * orders are inserted with the batch id; any failure (a `progress` callback that throws too)
   * removes everything written so far, except a NodeStoppingError from `progress` (the batch is
   * handed back as it is and recoverBatch settles it where it is taken over).
   * The flow-start entries are written last, so no flow starts before the whole batch exists.
   */
  async acceptBatch(prepared: PreparedOrder[], opts: IntakeOptions, batchId: string, progress?: (done: number) => Promise<void> | void): Promise<string[]> {
    const now = new Date();
    const numbers = await this.deps.numbers.take(now.getUTCFullYear(), prepared.length);
    const claimed: string[] = [];
    const inserted: string[] = [];
    let outboxWritten = false;
    try {
      const docs: WithOutbound[] = prepared.map((p, i) => this.buildDoc(numbers[i], p, opts, now, batchId));
      const withEvents = docs.filter((d) => this.embedOutbound(d, 'order.created', orderView(d))).map((d) => d._id);
      // progress is reported before every chunk of 200 claims and of 200 inserts: a caller may stop the batch there (shutdown)
      for (let i = 0; i < prepared.length; i++) {
        if (i % 200 === 0) await progress?.(0);
        for (const key of this.keysFor(prepared[i], opts)) {
          const replay = await this.claimKey({ _id: key, number: numbers[i], requestHash: prepared[i].requestHash, receipt: JSON.stringify(orderView(docs[i])), at: now }, false);
          if (replay) throw new ConflictError(`Order ${i + 1} of the file: external id ${prepared[i].input.externalId} already exists as ${(JSON.parse(replay) as OrderView).number}`);
          claimed.push(key);
        }
      }
      const markedAt = await this.markOutbound(withEvents);
      for (let i = 0; i < docs.length; i += 200) {
        await progress?.(i);
        const chunk = docs.slice(i, i + 200);
        inserted.push(...chunk.map((d) => d._id));
        await this.c.orders.insertMany(chunk, { ordered: true });
      }
      await progress?.(docs.length);
      outboxWritten = true;
      await this.c.outbox.insertMany(docs.map((d) => ({ _id: d._id, state: 'pending' as const, attempts: 0, nextAttemptAt: now, createdAt: now })));
      const ops = new Map();
      for (const d of docs) opsForNewOrder(indexedOrder(d), ops);
      this.index(ops);
      this.deps.onAccepted?.(numbers);
      this.dispatchInBackground(withEvents, markedAt);
      return numbers;
    } catch (err) {
      // handed back on shutdown: undoing could outlast the drain; the node taking it over settles it (recoverBatch)
      if (err instanceof NodeStoppingError) throw err;
      for (let i = 0; i < inserted.length; i += 200) {
        const ids = inserted.slice(i, i + 200);
        // only what this batch wrote: a colliding document that was there before stays
        await this.c.orders.deleteMany({ _id: { $in: ids }, importBatch: batchId }).catch(() => undefined);
        if (outboxWritten) await this.c.outbox.deleteMany({ _id: { $in: ids } }).catch(() => undefined);
      }
      await this.releaseKeys(claimed);
      throw err;
    }
  }

  /**
   * After a node died inside acceptBatch: when its flow-start entries were written the batch stands
   * (missing entries are added) and its numbers are returned; otherwise what it wrote is removed
   * (its orders, and the keys of `prepared` pointing at no order) so that the batch can run again.
   */
  async recoverBatch(batchId: string, prepared: PreparedOrder[], opts: IntakeOptions): Promise<string[] | undefined> {
    const written = (await this.c.orders.find({ importBatch: batchId }, { projection: { _id: 1 } }).toArray()).map((d) => d._id).sort();
    const started = written.length ? await this.c.outbox.find({ _id: { $in: written } }, { projection: { _id: 1 } }).toArray() : [];
    if (written.length === prepared.length && started.length > 0) {
      const now = new Date();
      const have = new Set(started.map((d) => d._id));
      const missing = written.filter((n) => !have.has(n));
      if (missing.length) await this.c.outbox.insertMany(missing.map((n) => ({ _id: n, state: 'pending' as const, attempts: 0, nextAttemptAt: now, createdAt: now })));
      this.deps.onAccepted?.(written);
      return written;
    }
    for (let i = 0; i < written.length; i += 200) await this.c.orders.deleteMany({ _id: { $in: written.slice(i, i + 200) }, importBatch: batchId });
    for (const p of prepared) {
      for (const key of this.keysFor(p, opts)) {
        const k = await this.c.keys.findOne({ _id: key });
        if (k && !(await this.c.orders.findOne({ _id: k.number }, { projection: { _id: 1 } }))) await this.c.keys.deleteOne({ _id: key });
      }
    }
    return undefined;
  }

  /** True when this channel already has an order with this external id. */
  async externalIdTaken(channel: Channel, externalId: string): Promise<boolean> {
    const key = await this.c.keys.findOne({ _id: `ext:${channel}:${externalId}` });
    return Boolean(key && (await this.c.orders.findOne({ _id: key.number }, { projection: { _id: 1 } })));
  }

  async getDoc(number: string): Promise<OrderDoc> {
    if (!ORDER_NUMBER.test(number)) throw new NotFoundError(`Order ${number}`);
    const doc = await this.c.orders.findOne({ _id: number });
    if (!doc) throw new NotFoundError(`Order ${number}`);
    return doc;
  }

  async get(number: string): Promise<OrderView> {
    return orderView(await this.getDoc(number));
  }

  async events(number: string): Promise<OrderEvent[]> {
    return (await this.getDoc(number)).events.map(eventView);
  }

  /** Writes one order under its per-order lock (FerretDB updates are not atomic, see keyed-mutex.ts). */
  private async mutate<T>(
    number: string,
    fn: (doc: OrderDoc) => Promise<{ set: Partial<OrderDoc>; events?: StoredEvent[]; result?: T; after?: (before: OrderDoc, after: OrderDoc) => Promise<void>; emit?: string }>,
  ): Promise<T | OrderView> {
    let markedAt: Date | undefined;
    const out = await this.mutex.run(number, async () => {
      for (let attempt = 1; ; attempt++) {
        const doc = await this.getDoc(number);
        const { set, events = [], result, after, emit } = await fn(doc);
        const version = typeof doc.version === 'number' ? doc.version : 0;
        // the mutex orders this node's writers; the claim orders every node's (another node may hold the same version)
        const writtenAt = (await this.claimVersion(number, version)) ? await this.write(number, doc, version, set, events, emit, (at) => (markedAt = at)) : undefined;
        if (!writtenAt) {
          await waitForOtherWriter(number, attempt);
          continue;
        }
        const next: OrderDoc = { ...doc, ...(stripUndefined(set) as Partial<OrderDoc>), events: [...doc.events, ...events], updatedAt: writtenAt, version: version + 1 };
        // the claim of the version before the last is no longer needed by anyone
        void this.c.versionClaims.deleteOne({ _id: `${number}@${version}#1` }).catch(() => undefined);
        await after?.(doc, next);
        return result ?? orderView(next);
      }
    });
    if (markedAt) await this.dispatchNow(number, markedAt);
    return out;
  }

  /** One single-document update from `version` to `version + 1` (claimed): its time, or undefined when the order is gone. */
  private async write(number: string, doc: OrderDoc, version: number, set: Partial<OrderDoc>, events: StoredEvent[], emit: string | undefined, marked: (at: Date) => void): Promise<Date | undefined> {
    const now = new Date();
    const next: OrderDoc = { ...doc, ...(stripUndefined(set) as Partial<OrderDoc>), events: [...doc.events, ...events], updatedAt: now, version: version + 1 };
    const $set: Record<string, unknown> = { updatedAt: now };
    const $unset: Record<string, ''> = {};
    for (const [k, v] of Object.entries(set)) {
      if (v === undefined) $unset[k] = '';
      else $set[k] = stripUndefined(v);
    }
    const update: Record<string, unknown> = { $set, $inc: { version: 1 } };
    if (Object.keys($unset).length) update.$unset = $unset;
    if (events.length) update.$push = { events: { $each: events } };
    // the outbound event is part of this same document update (see ORDER_EVENT_QUEUE)
    const outbound: WithOutbound = { ...next, outboundEvents: undefined };
    if (emit && this.embedOutbound(outbound, emit, orderView(next))) {
      for (const [k, v] of Object.entries(outbound.outboundEvents!)) $set[`outboundEvents.${k}`] = v;
      marked(await this.markOutbound([number]));
    }
    // by _id alone: the version claim already makes this the one writer of this version, and FerretDB
    // 1.24 pushes down only a filter that is exactly {_id}; {_id, version} would scan every order
    const res = await this.c.orders.updateOne({ _id: number }, update);
    return res.matchedCount === 1 ? now : undefined;
  }

  /**
   * Claims the step of an order from `version` to `version + 1` for this writer, on every node: a
   * duplicate-_id insert is the one claim FerretDB 1.24 keeps atomic (its conditional updates are
   * not isolated). A claim whose writer died before writing goes stale, and the next generation may
   * take over. Returns the claim's id, or undefined when another writer holds the step or the order
   * has already moved past `version`.
   */
  private async claimVersion(number: string, version: number): Promise<string | undefined> {
    for (let gen = 1; gen <= 3; gen++) {
      const _id = `${number}@${version + 1}#${gen}`;
      try {
        await this.c.versionClaims.insertOne({ _id, at: new Date() });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const held = await this.c.versionClaims.findOne({ _id });
        if (held && Date.now() - new Date(held.at).getTime() < VERSION_CLAIM_STALE_MS) return undefined;
        continue;
      }
      // Claims of past steps are deleted once the order is two steps further, so a writer that read
      // the order long ago can win an old step's claim again: only a claim on the current step counts.
      const now = await this.c.orders.findOne({ _id: number }, { projection: { version: 1 } });
      if ((now?.version ?? 0) === version) return _id;
      await this.c.versionClaims.deleteOne({ _id });
      return undefined;
    }
    return undefined;
  }

  /** The flow's built-in handler order.setStatus lands here: the only way a status changes. */
  async applyStatus(number: string, status: OrderStatus, meta: { actor?: string; step?: string; message?: string; detail?: unknown; release?: boolean } = {}): Promise<OrderView> {
    return this.mutate<OrderView>(number, async (doc) => {
      if (doc.status === status) {
        return { set: {}, events: meta.message ? [event({ kind: 'flow', status, step: meta.step, message: meta.message, actor: meta.actor, detail: meta.detail, public: false })] : [] };
      }
      if (FINAL_STATUSES.includes(doc.status)) throw new ConflictError(`Order ${number} is ${doc.status}; its status cannot change any more`);
      // on hold wins until released: the flow's progress is remembered and resumed on release
      if (doc.status === 'on-hold' && status !== 'cancelled' && !meta.release) {
        return { set: { heldFrom: status }, events: [event({ kind: 'flow', status, step: meta.step, message: `The flow reached ${status} while the order is on hold`, actor: meta.actor, public: false })] };
      }
      if (NEEDS_APPROVAL.includes(status) && doc.review.approvedHash !== doc.review.hash) {
        throw new ConflictError(`Order ${number} cannot become ${status}: its approval does not cover the order as it is now (review it again)`, { reason: 'approval-mismatch' });
      }
      const now = new Date();
      const set: Partial<OrderDoc> = { status, statusSince: now, currentStep: meta.step ?? status };
      if (status === 'on-hold') set.heldFrom = doc.status;
      if (status === 'approved') set.review = { ...doc.review, approvedHash: doc.review.hash, approvedAt: now, approvedBy: meta.actor, outcome: 'approved' };
      if (status === 'rejected') set.review = { ...doc.review, outcome: 'rejected' };
      const ev = event({ at: now, kind: 'status', status, step: meta.step, message: meta.message ?? `Status: ${status}`, actor: meta.actor, detail: meta.detail, public: true });
      return {
        set,
        events: [ev],
        emit: EVENT_OF[status],
        after: async (before, after) => this.index(opsForStatusChange(indexedOrder(before), indexedOrder(after), now)),
      };
    }) as Promise<OrderView>;
  }

  /** Flow steps that are not status changes (rule explanations, documents printed) for the timeline. */
  async recordEvent(number: string, e: Omit<OrderEvent, 'at' | 'public'> & { public?: boolean }): Promise<void> {
    await this.mutate(number, async () => ({ set: {}, events: [event({ kind: e.kind, status: e.status, step: e.step, message: e.message, actor: e.actor, detail: e.detail, public: e.public ?? false })] }));
    if (e.kind === 'flow' && e.step === 'manual-review') this.index(opsForReviewEvent('manual', new Date()));
  }

  async setAllocation(number: string, allocation: NonNullable<OrderDoc['allocation']>, actor?: string): Promise<OrderView> {
    return this.mutate<OrderView>(number, async (doc) => {
      const next = { ...doc.allocation, ...allocation };
      // each allocation names its own lines or none: a split's lines do not outlive it
      if (!allocation.lines?.length) delete next.lines;
      const where = next.lines ? `Split over ${splitSummary(next.lines)}` : `Allocated to ${next.warehouse ?? 'a warehouse'}`;
      return {
        set: { allocation: next },
        events: [event({ kind: 'flow', step: 'allocate', message: `${where}${next.plannedShipDate ? `, planned ship date ${next.plannedShipDate}` : ''}`, actor, public: false })],
        after: async (before, after) => this.index(opsForStatusChange(indexedOrder(before), indexedOrder(after), new Date())),
      };
    }) as Promise<OrderView>;
  }

  /**
   * A planner moves an order on the scheduling board (server/scheduling): the checks ran before,
   * on the allocation `expected`; here, under the order's lock, the order must still be in a
   * movable status and still allocated as the checks saw it, or the move is refused (409).
   */
  async moveAllocation(
    number: string,
    next: NonNullable<OrderDoc['allocation']>,
    meta: { actor: string; expected: OrderDoc['allocation']; movable: readonly OrderStatus[]; note?: string },
  ): Promise<OrderView> {
    const where = (a: OrderDoc['allocation']) => `${a?.productionLine ?? a?.warehouse ?? 'unallocated'}/${a?.plannedShipDate ?? 'no date'}`;
    const same = (a: OrderDoc['allocation'], b: OrderDoc['allocation']) => a?.warehouse === b?.warehouse && a?.productionLine === b?.productionLine && a?.plannedShipDate === b?.plannedShipDate;
    return this.mutate<OrderView>(number, async (doc) => {
      if (!meta.movable.includes(doc.status)) throw new ConflictError(`Order ${number} is ${doc.status}; only ${meta.movable.join(', ')} orders can be moved`, { reason: 'status' });
      if (!same(doc.allocation, meta.expected)) throw new ConflictError(`Order ${number} was allocated anew meanwhile (${where(doc.allocation)}); reload the board`, { reason: 'changed' });
      const from = where(doc.allocation);
      const to = where({ ...doc.allocation, ...next });
      return {
        set: { allocation: { ...doc.allocation, ...next } },
        events: [event({ kind: 'action', step: 'schedule', message: `Moved by ${meta.actor} from ${from} to ${to}${meta.note ? `: ${meta.note}` : ''}`, actor: meta.actor, detail: { from: doc.allocation ?? {}, to: { ...doc.allocation, ...next } }, public: false })],
        after: async (before, after) => this.index(opsForStatusChange(indexedOrder(before), indexedOrder(after), new Date())),
      };
    }) as Promise<OrderView>;
  }

  async setShipment(number: string, shipment: NonNullable<OrderDoc['shipment']>, actor?: string): Promise<OrderView> {
    return this.mutate<OrderView>(number, async (doc) => ({
      set: { shipment: { ...doc.shipment, ...shipment } },
      events: [event({ kind: 'flow', step: 'ship', message: `Shipped with ${shipment.carrier ?? 'a carrier'}${shipment.trackingNumber ? ` (${shipment.trackingNumber})` : ''}`, actor, public: true })],
    })) as Promise<OrderView>;
  }

  async markFlowStarted(number: string, instanceId: string, attempts: number): Promise<OrderView> {
    return this.mutate<OrderView>(number, async (doc) => ({
      set: { flow: { ...doc.flow, status: 'started', instanceId, attempts, startedAt: new Date(), lastError: undefined } },
    })) as Promise<OrderView>;
  }

  /** An order cancelled before its flow was recorded as started: cancel the flow as well. */
  async afterFlowStarted(view: OrderView): Promise<void> {
    if (view.status === 'cancelled') await this.deps.flowControl?.()?.request(view, 'cancel', { actor: 'system', reason: 'cancelled before its flow started' });
  }

  async markFlowAttempt(number: string, attempts: number, error: string, failed: boolean): Promise<void> {
    await this.mutate(number, async (doc) => ({
      set: { flow: { ...doc.flow, status: failed ? 'failed' : 'pending', attempts, lastError: error } },
      events: failed ? [event({ kind: 'flow', message: `The order flow could not be started: ${error}`, public: false })] : [],
    }));
  }

  /** Cancel, hold or release: sent to the flow when one handles it, else applied here. */
  async act(number: string, action: 'cancel' | 'hold' | 'release', principal: Principal, reason?: string): Promise<OrderView> {
    const doc = await this.getDoc(number);
    const actor = actorOf(principal).label;
    if (action === 'cancel' && CANCELLABLE_UNTIL.includes(doc.status)) throw new ConflictError(`Order ${number} is ${doc.status} and can no longer be cancelled`);
    if (action === 'hold' && (FINAL_STATUSES.includes(doc.status) || ['shipped', 'on-hold'].includes(doc.status))) throw new ConflictError(`Order ${number} is ${doc.status} and cannot be put on hold`);
    if (action === 'release' && doc.status !== 'on-hold') throw new ConflictError(`Order ${number} is not on hold`);
    const view = orderView(doc);
    const handled = (await this.deps.flowControl?.()?.request(view, action, { reason, actor })) ?? false;
    await this.deps.audit.record({ principal, action: `order.${action}`, target: { type: 'order', id: number }, before: { status: doc.status }, after: { reason, viaFlow: handled } });
    if (handled) {
      await this.recordEvent(number, { kind: 'action', message: `${action} requested${reason ? `: ${reason}` : ''}`, actor, public: false });
      return this.get(number);
    }
    const target: OrderStatus = action === 'cancel' ? 'cancelled' : action === 'hold' ? 'on-hold' : (doc.heldFrom ?? 'received');
    return this.applyStatus(number, target, { actor, step: action, release: action === 'release', message: `${action === 'cancel' ? 'Cancelled' : action === 'hold' ? 'Put on hold' : 'Released from hold'}${reason ? `: ${reason}` : ''}` });
  }

  /**
   * Edits an order (customer, addresses, lines, notes, …). Totals and the review hash are
   * recomputed; if the order was approved and the reviewed fields changed, the approval no longer
   * applies: the status goes back to in-review and the flow is asked to review again.
   */
  async edit(number: string, patch: Record<string, unknown>, version: number, principal: Principal): Promise<OrderView> {
    const actor = actorOf(principal).label;
    let reopened = false;
    const view = (await this.mutate<OrderView>(number, async (doc) => {
      if (doc.version !== version) throw new ConflictError(`Order ${number} changed meanwhile (version ${doc.version}, you sent ${version}); reload it`, { version: doc.version });
      if (!EDITABLE.includes(doc.status)) throw new ConflictError(`Order ${number} is ${doc.status} and can no longer be edited`);
      const current: Record<string, unknown> = {
        channel: doc.channel,
        externalId: doc.externalId,
        customer: doc.customer,
        billingAddress: doc.billingAddress,
        shippingAddress: doc.shippingAddress,
        lines: doc.lines.map(({ lineTotal: _t, ...l }) => l),
        currency: doc.currency,
        shippingCharge: doc.shippingCharge,
        taxRate: doc.taxRate,
        priority: doc.priority,
        type: doc.type,
        requestedDeliveryDate: doc.requestedDeliveryDate,
        notes: doc.notes,
      };
      for (const k of Object.keys(current)) if (current[k] === undefined) delete current[k];
      const { input } = this.prepare({ ...current, ...patch }, { channel: doc.channel });
      const lines = computeLines(input);
      const totals = computeTotals(lines, input.currency, input.shippingCharge, input.taxRate);
      const hash = reviewHash({ customer: input.customer, billingAddress: input.billingAddress, shippingAddress: input.shippingAddress, lines, currency: input.currency, totals });
      const set: Partial<OrderDoc> = {
        customer: input.customer,
        billingAddress: input.billingAddress,
        shippingAddress: input.shippingAddress,
        lines,
        totals,
        currency: input.currency,
        shippingCharge: input.shippingCharge,
        taxRate: input.taxRate,
        priority: input.priority ?? doc.priority,
        type: input.type ?? doc.type,
        requestedDeliveryDate: input.requestedDeliveryDate,
        notes: input.notes,
        review: { ...doc.review, hash },
      };
      const events = [event({ kind: 'action', message: `Order edited (${Object.keys(patch).join(', ')})`, actor, public: false })];
      const now = new Date();
      if (doc.review.approvedHash && doc.review.approvedHash !== hash) {
        reopened = true;
        set.review = { hash, outcome: undefined };
        if (doc.status === 'on-hold') set.heldFrom = 'in-review';
        else {
          set.status = 'in-review';
          set.statusSince = now;
          set.currentStep = 'review';
        }
        events.push(event({ at: now, kind: 'status', status: 'in-review', step: 'review', message: 'Edited after approval: the review is reopened', actor, public: true }));
      }
      return {
        set,
        events,
        after: async (before, after) => {
          const ops = opsForStatusChange(indexedOrder(before), indexedOrder(after), now);
          if (reopened) opsForReviewEvent('reopened', now, ops);
          this.index(ops);
        },
      };
    })) as OrderView;
    await this.deps.audit.record({ principal, action: 'order.edit', target: { type: 'order', id: number }, after: { fields: Object.keys(patch), reviewReopened: reopened } });
    if (reopened) {
      await this.deps.flowControl?.()?.request(view, 'reopen-review', { actor, reason: 'edited after approval' });
    }
    return view;
  }
}
