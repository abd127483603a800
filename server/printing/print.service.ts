/**
 * Printing: one order's document, batches of many orders in one PDF (chunks rendered on the page
 * pool, merged with pdf-lib, progress stored and pushed, cancellable), previews, reprints, and the
 * record of every print (printJobs + the PDF in GridFS).
 *
 * A chunk that fails or runs out of time is rendered again document by document, so one bad
 * order is named in `failures` while the rest of the batch still prints.
 */
import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { PDFDocument } from 'pdf-lib';
import type { Readable } from 'node:stream';
import { ConflictError, NotFoundError, ServiceUnavailableError, UnprocessableError } from '../../workflows/model/errors';
import type { Order } from '../../workflows/model/order';
import { SAMPLE_ORDER } from '../../workflows/print/sample-order';
import type { PrintJobView } from '../contracts/print';
import type { ProgressEvent } from '../contracts/realtime';
import { actorOf, type Principal } from '../auth/principal';
import { assertInScope, inScope, orderFacts, scopeOf, type RecordScope } from '../auth/record-scope';
import type { AuditService } from '../audit/audit.service';
import { LeasedRun } from '../db/leased-run';
import { claimOnce } from '../db/claim-once';
import type { Logger } from '../infra/logger';
import { htmlDocument, type PreparedTemplate } from './document';
import type { OrderFilter, OrderSource, GroupBy } from './order-source';
import { RenderTimeoutError, type PdfRenderer } from './pdf-renderer';
import type { PdfStore } from './pdf-store';
import type { PrintingModels, PrintJobDoc, TemplateDoc } from './printing.model';
import type { TemplateService } from './template.service';

export interface PrintLimits {
  /** most orders in one batch; larger requests are refused with this number */
  maxBatch: number;
  /** orders per HTML document handed to Chromium */
  chunkSize: number;
  /** time limit of one document; a chunk of n gets limit × (1 + (n − 1) / 10) */
  documentTimeoutMs: number;
}

export const PRINT_DEFAULTS: PrintLimits = { maxBatch: 1000, chunkSize: 100, documentTimeoutMs: 20_000 };

/** Where progress goes (the realtime layer forwards it to room `job:<id>`). */
export interface PrintEventSink {
  progress(event: ProgressEvent): void;
}
export const NO_EVENTS: PrintEventSink = { progress: () => undefined };

export type { PrintJobView };

const iso = (d?: Date) => (d ? new Date(d).toISOString() : undefined);

export function toJobView(d: PrintJobDoc): PrintJobView {
  const id = String(d._id);
  return {
    id,
    kind: d.kind,
    status: d.status,
    template: d.template,
    orderIds: d.orderIds,
    orderNumbers: d.orderNumbers,
    filter: d.filter ? JSON.parse(d.filter) : undefined,
    requestedBy: d.requestedBy.label,
    requestedAt: iso(d.requestedAt)!,
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
    progress: d.progress,
    runs: d.runs ?? 1,
    pages: d.pages,
    failures: d.failures ?? [],
    warnings: d.warnings ?? [],
    fileSize: d.fileSize,
    downloadUrl: d.fileId ? `/api/print/jobs/${id}/pdf` : undefined,
    reprintOf: d.reprintOf ? String(d.reprintOf) : undefined,
    reason: d.reason,
    error: d.error,
  };
}

interface RenderOutcome {
  pdf?: Buffer;
  pages: number;
  orders: Order[];
  failures: PrintJobDoc['failures'];
  warnings: PrintJobDoc['warnings'];
  cancelled: boolean;
  /** the first render error, so a single print can answer with it (503 and timeouts stay retryable) */
  firstError?: unknown;
}

type Requester = PrintJobDoc['requestedBy'];

export interface PrintServiceDeps {
  models: PrintingModels;
  templates: TemplateService;
  renderer: PdfRenderer;
  orders: OrderSource;
  files: PdfStore;
  audit: AuditService;
  logger: Logger;
  events?: PrintEventSink;
  limits?: Partial<PrintLimits>;
  /** a batch whose node sends no heartbeat for this long is taken over by another node (default 30 s) */
  leaseMs?: number;
}

const MAX_WARNINGS_PER_ORDER = 20;
const STALE_JOB_MS = 120_000;
/** a batch whose nodes keep dying is not started a fourth time (no silent loop) */
const MAX_BATCH_RUNS = 3;

export class PrintService {
  readonly limits: PrintLimits;
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private events: PrintEventSink;
  private readonly leaseMs: number;
  private readonly owner = `print-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  private resumer?: NodeJS.Timeout;

  constructor(private readonly deps: PrintServiceDeps) {
    this.limits = { ...PRINT_DEFAULTS, ...deps.limits };
    this.events = deps.events ?? NO_EVENTS;
    this.leaseMs = deps.leaseMs ?? 30_000;
  }

  /** The realtime layer may attach later than the service is built. */
  setEventSink(sink: PrintEventSink): void {
    this.events = sink;
  }

  /* ---------- preview (nothing recorded) ---------- */

  async preview(key: string, options: { version?: number | 'draft'; orderId?: string }, principal?: Principal): Promise<{ pdf: Buffer; pages: number; warnings: string[] }> {
    const doc = options.version === 'draft' || options.version === undefined ? await this.draftDoc(key) : await this.deps.templates.published(key, options.version);
    let order: Order = SAMPLE_ORDER;
    if (options.orderId) {
      const [found] = await this.deps.orders.loadOrders([options.orderId]);
      if (!found) throw new NotFoundError(`Order ${options.orderId}`);
      assertInScope(scopeOf(principal), orderFacts(found), `Order ${options.orderId}`);
      order = found;
    }
    const prepared = await this.deps.templates.prepare(doc);
    const rendered = prepared.render(order);
    const pdf = await this.deps.renderer.render(htmlDocument(prepared.css, [rendered.html]), { timeoutMs: this.limits.documentTimeoutMs, what: `order ${order.number}` });
    return { pdf, pages: await pageCount(pdf), warnings: rendered.warnings };
  }

  private async draftDoc(key: string): Promise<TemplateDoc> {
    const doc = await this.deps.models.Template.findOne({ key, version: 0 }).lean<TemplateDoc>();
    if (!doc) throw new NotFoundError(`Template ${key}`);
    return doc;
  }

  /* ---------- one order ---------- */

  async printOrder(principal: Principal, orderId: string, input: { templateKey: string; version?: number }): Promise<PrintJobView> {
    const scope = scopeOf(principal);
    if (scope) {
      const [order] = await this.deps.orders.loadOrders([orderId]);
      assertInScope(scope, order ? orderFacts(order) : null, `Order ${orderId}`);
    }
    const job = await this.printSingle(actorOf(principal), 'single', orderId, input);
    await this.deps.audit.record({ principal, action: 'print.single', target: { type: 'printJob', id: job.id, label: job.orderNumbers[0] }, after: { template: job.template, pages: job.pages, status: job.status }, businessKeys: job.orderNumbers });
    return job;
  }

  /** The print service task of a flow; a retried task with the same idempotency key returns the first print. */
  async printForFlow(templateKey: string, orderRef: string, source: { instanceId: string; activityId: string; idempotencyKey: string }): Promise<PrintJobView> {
    const earlier = await this.deps.models.PrintJob.findOne({ idempotencyKey: source.idempotencyKey, status: 'completed' }).lean<PrintJobDoc>();
    if (earlier) return toJobView(earlier);
    return this.printSingle({ kind: 'flow', id: source.instanceId, label: `flow ${source.instanceId}` }, 'flow', orderRef, { templateKey }, source);
  }

  private async printSingle(
    requestedBy: Requester,
    kind: 'single' | 'flow',
    orderRef: string,
    input: { templateKey: string; version?: number },
    source?: { instanceId: string; activityId: string; idempotencyKey: string },
  ): Promise<PrintJobView> {
    const template = await this.deps.templates.published(input.templateKey, input.version);
    const [order] = await this.deps.orders.loadOrders([orderRef]);
    if (!order) throw new NotFoundError(`Order ${orderRef}`);
    const now = new Date();
    const job = await this.deps.models.PrintJob.create({
      kind,
      status: 'running',
      template: { key: template.key, version: template.version, name: template.name },
      orderIds: [order.id],
      orderNumbers: [order.number],
      requestedBy,
      requestedAt: now,
      startedAt: now,
      heartbeatAt: now,
      progress: { done: 0, total: 1 },
      idempotencyKey: source?.idempotencyKey,
      source: source ? { instanceId: source.instanceId, activityId: source.activityId } : undefined,
    });
    const prepared = await this.deps.templates.prepare(template);
    const outcome = await this.renderOrders(prepared, [order.id], { preloaded: [order] });
    const done = await this.finish(job._id, template, outcome);
    if (done.status === 'failed') {
      if (outcome.firstError instanceof RenderTimeoutError || outcome.firstError instanceof ServiceUnavailableError) throw outcome.firstError;
      throw new UnprocessableError(`Order ${order.number} could not be printed: ${done.failures[0]?.reason ?? done.error}`, undefined, { printJobId: done.id });
    }
    return done;
  }

  /* ---------- batches ---------- */

  async startBatch(
    principal: Principal,
    input: { templateKey: string; version?: number; orderIds?: string[]; filter?: OrderFilter; groupBy?: GroupBy },
  ): Promise<PrintJobView> {
    const { maxBatch } = this.limits;
    if (input.orderIds && input.orderIds.length > maxBatch) throw tooMany(maxBatch, input.orderIds.length);
    const template = await this.deps.templates.published(input.templateKey, input.version);
    const scope = scopeOf(principal);
    let ids: string[];
    if (input.orderIds) ids = scope ? await this.inScopeIds([...new Set(input.orderIds)], scope) : [...new Set(input.orderIds)];
    else {
      ids = await this.deps.orders.findOrderIds(input.filter ?? {}, { groupBy: input.groupBy ?? 'none', limit: maxBatch + 1, scope });
      if (ids.length > maxBatch) throw tooMany(maxBatch, `more than ${maxBatch}`);
    }
    if (ids.length === 0) throw new UnprocessableError('No orders to print: the selection is empty', [{ path: input.orderIds ? 'orderIds' : 'filter', message: 'selects no orders' }]);
    const now = new Date();
    const job = await this.deps.models.PrintJob.create({
      kind: 'batch',
      status: 'queued',
      template: { key: template.key, version: template.version, name: template.name },
      orderIds: ids,
      orderNumbers: [],
      filter: input.filter ? JSON.stringify({ ...input.filter, groupBy: input.groupBy ?? 'none' }) : undefined,
      requestedBy: actorOf(principal),
      requestedAt: now,
      heartbeatAt: now,
      progress: { done: 0, total: ids.length },
      runs: 1,
      leaseOwner: `${this.owner}#1`,
    });
    const id = String(job._id);
    await this.deps.audit.record({ principal, action: 'print.batch', target: { type: 'printJob', id, label: `${ids.length} orders` }, after: { template: job.template, orders: ids.length, filter: input.filter }, businessKeys: ids });
    this.launch(job._id, template, ids, `${this.owner}#1`);
    return toJobView(job.toObject());
  }

  private launch(jobId: Types.ObjectId, template: TemplateDoc, ids: string[], lease: string): void {
    const id = String(jobId);
    const abort = new AbortController();
    const done = this.runBatch(jobId, template, ids, abort.signal, lease)
      .catch((err) => this.deps.logger.error({ err, jobId: id }, 'print batch failed'))
      .finally(() => this.running.delete(id));
    this.running.set(id, { abort, done });
  }

  /** A scoped caller's listed orders: those outside the scope are dropped like unknown ones (existence not revealed). */
  private async inScopeIds(ids: string[], scope: RecordScope): Promise<string[]> {
    const visible = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) for (const o of await this.deps.orders.loadOrders(ids.slice(i, i + 500))) if (inScope(scope, orderFacts(o))) visible.add(o.id).add(o.number);
    return ids.filter((id) => visible.has(id));
  }

  /**
   * A scoped caller sees a print job (its record, PDF, reprint, cancel) only when every order in it is
   * inside the scope; else 404 as for a missing job. Jobs of more than 1,000 orders stay hidden from them.
   */
  async assertJobVisible(principal: Principal, id: string): Promise<void> {
    const scope = scopeOf(principal);
    if (scope && !(await this.jobInScope(await this.jobDoc(id), scope))) throw new NotFoundError(`Print job ${id}`);
  }

  /**
   * For the socket gateway: may the caller follow this print job's progress (its scope covers every
   * order of it)? Undefined when the id is no print job.
   */
  async jobWatchable(principal: Principal, id: string): Promise<boolean | undefined> {
    if (!/^[a-f0-9]{24}$/.test(id)) return undefined;
    const doc = await this.deps.models.PrintJob.findById(id, { orderIds: 1 }).lean<Pick<PrintJobDoc, 'orderIds'>>();
    if (!doc) return undefined;
    const scope = scopeOf(principal);
    return !scope || this.jobInScope(doc, scope);
  }

  private async jobInScope(job: Pick<PrintJobDoc, 'orderIds'>, scope: RecordScope): Promise<boolean> {
    if (job.orderIds.length === 0 || job.orderIds.length > 1000) return false;
    const orders = await this.deps.orders.loadOrders(job.orderIds);
    return orders.length === new Set(job.orderIds).size && orders.every((o) => inScope(scope, orderFacts(o)));
  }

  /**
   * Runs a batch under a lease: a heartbeat keeps it while this node lives; every write is fenced by
   * the lease, so a node that lost it (it stalled, another took over) changes nothing.
   */
  private async runBatch(jobId: Types.ObjectId, template: TemplateDoc, ids: string[], signal: AbortSignal, lease: string): Promise<void> {
    const id = String(jobId);
    const mine = { _id: jobId, leaseOwner: lease };
    let lost = false;
    const run = new LeasedRun(() => this.deps.models.PrintJob.updateOne(mine, { $set: { heartbeatAt: new Date() } }), Math.max(500, Math.round(this.leaseMs / 3)));
    try {
      await run.write(() => this.deps.models.PrintJob.updateOne(mine, { $set: { status: 'running', startedAt: new Date() } }));
      this.emit(id, 0, ids.length, 'running');
      const prepared = await this.deps.templates.prepare(template);
      const outcome = await this.renderOrders(prepared, ids, {
        signal,
        onChunk: async (done) => {
          const doc = await run.write(() =>
            this.deps.models.PrintJob.findOneAndUpdate(mine, { $set: { 'progress.done': done, heartbeatAt: new Date() } }, { returnDocument: 'after' }).lean<Pick<PrintJobDoc, 'cancelRequested'>>(),
          );
          lost = !doc;
          if (doc) this.emit(id, done, ids.length, 'running');
          return lost || doc?.cancelRequested === true; // cancel asked on another node
        },
      });
      await run.stop();
      if (lost) return this.deps.logger.warn({ jobId: id }, 'print batch lease lost; another node prints it');
      if (signal.aborted && signal.reason === 'shutdown') {
        // graceful shutdown: hand the batch back at once, another node starts it again
        await this.deps.models.PrintJob.updateOne(mine, { $set: { leaseOwner: null, heartbeatAt: new Date(0) } });
        return;
      }
      const view = await this.finish(jobId, template, outcome, lease);
      if (!view) return this.deps.logger.warn({ jobId: id }, 'print batch lease lost before its result was stored; another node prints it');
      this.emit(id, view.progress.done, ids.length, view.status === 'completed' ? 'completed' : view.status === 'cancelled' ? 'cancelled' : 'failed', view.error);
    } catch (err) {
      const message = (err as Error).message;
      await run.stop();
      await this.deps.models.PrintJob.updateOne(mine, { $set: { status: 'failed', error: message, finishedAt: new Date() } });
      this.emit(id, 0, ids.length, 'failed', message);
      throw err;
    } finally {
      await run.stop();
    }
  }

  /**
   * Takes over batches whose node stopped (no heartbeat for a lease): each takeover is won by one
   * node (a unique claim per run), counted in `runs`, and starts the batch again from its first
   * order; the result is one PDF with every order once. After MAX_BATCH_RUNS the batch fails.
   */
  async resumeInterruptedBatches(): Promise<number> {
    const { PrintJob } = this.deps.models;
    const stale = new Date(Date.now() - this.leaseMs);
    const jobs = await PrintJob.find({ kind: 'batch', status: { $in: ['queued', 'running'] }, heartbeatAt: { $lt: stale } }, { _id: 1, runs: 1, template: 1, orderIds: 1, cancelRequested: 1 })
      .limit(20)
      .lean<Array<Pick<PrintJobDoc, '_id' | 'runs' | 'template' | 'orderIds' | 'cancelRequested'>>>();
    let resumed = 0;
    for (const j of jobs) {
      const id = String(j._id);
      if (this.running.has(id)) continue;
      const run = (j.runs ?? 1) + 1;
      if (!(await claimOnce(PrintJob.db, `print:${id}:${run}`, { jobId: id }))) continue;
      const lease = `${this.owner}#${run}`;
      const mine = { _id: j._id, leaseOwner: lease };
      await PrintJob.updateOne({ _id: j._id }, { $set: { runs: run, leaseOwner: lease, heartbeatAt: new Date(), 'progress.done': 0 } });
      if (j.cancelRequested || run > MAX_BATCH_RUNS) {
        const error = j.cancelRequested ? undefined : `Interrupted ${run - 1} times: the nodes printing it stopped; not started again`;
        await PrintJob.updateOne(mine, { $set: { status: j.cancelRequested ? 'cancelled' : 'failed', finishedAt: new Date(), ...(error ? { error } : {}) } });
        this.emit(id, 0, j.orderIds.length, j.cancelRequested ? 'cancelled' : 'failed', error);
        continue;
      }
      try {
        const template = await this.deps.templates.published(j.template.key, j.template.version);
        this.deps.logger.warn({ jobId: id, run }, 'print batch taken over from a node that stopped; printing it again');
        this.launch(j._id, template, j.orderIds, lease);
        resumed++;
      } catch (err) {
        await PrintJob.updateOne(mine, { $set: { status: 'failed', error: (err as Error).message, finishedAt: new Date() } });
      }
    }
    return resumed;
  }

  /** Looks for batches to take over every half lease (and once now). */
  startResuming(): void {
    const tick = () => void this.resumeInterruptedBatches().catch((err) => this.deps.logger.warn({ err }, 'could not resume interrupted print batches'));
    tick();
    this.resumer = setInterval(tick, Math.max(500, Math.round(this.leaseMs / 2)));
    this.resumer.unref();
  }

  private emit(jobId: string, done: number, total: number, status: ProgressEvent['status'], message?: string): void {
    try {
      this.events.progress({ jobId, kind: 'print', done, total, status, ...(message ? { message } : {}) });
    } catch (err) {
      this.deps.logger.warn({ err, jobId }, 'print progress event could not be delivered');
    }
  }

  async cancel(principal: Principal, id: string): Promise<PrintJobView> {
    const job = await this.jobDoc(id);
    if (job.status !== 'queued' && job.status !== 'running') throw new ConflictError(`Print job ${id} is ${job.status}; only a queued or running job can be cancelled`);
    await this.deps.models.PrintJob.updateOne({ _id: job._id }, { $set: { cancelRequested: true } });
    this.running.get(id)?.abort.abort('cancel');
    await this.deps.audit.record({ principal, action: 'print.cancel', target: { type: 'printJob', id, label: job.template.key }, businessKeys: job.orderNumbers.length ? job.orderNumbers : job.orderIds });
    return toJobView({ ...job, cancelRequested: true });
  }

  /** Waits for a batch started on this node (tests, graceful shutdown). */
  async settled(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  /* ---------- rendering ---------- */

  private chunkTimeout(n: number): number {
    return Math.round(this.limits.documentTimeoutMs * (1 + (n - 1) / 10));
  }

  private async renderOrders(
    prepared: PreparedTemplate,
    ids: string[],
    options: { preloaded?: Order[]; signal?: AbortSignal; onChunk?: (done: number) => Promise<boolean> },
  ): Promise<RenderOutcome> {
    const chunks = splitEvenly(ids, this.limits.chunkSize, this.deps.renderer.concurrency);
    const results: Array<{ pdfs: Buffer[]; orders: Order[] }> = new Array(chunks.length);
    const failures: PrintJobDoc['failures'] = [];
    const warnings: PrintJobDoc['warnings'] = [];
    let next = 0;
    let done = 0;
    let cancelled = false;
    let firstError: unknown;
    const printedAt = new Date();

    // orders of the next chunk are read while the current one renders
    const loads: Array<Promise<Order[]>> = [];
    const load = (index: number) => (loads[index] ??= options.preloaded ? Promise.resolve(options.preloaded) : this.deps.orders.loadOrders(chunks[index]));

    const renderChunk = async (index: number): Promise<{ pdfs: Buffer[]; orders: Order[] }> => {
      const chunkIds = chunks[index];
      const loaded = await load(index);
      for (let ahead = next; ahead < Math.min(chunks.length, next + 2); ahead++) void load(ahead).catch(() => undefined);
      const byRef = new Map<string, Order>();
      for (const o of loaded) {
        byRef.set(o.id, o);
        byRef.set(o.number, o);
      }
      const docs: Array<{ order: Order; html: string }> = [];
      for (const ref of chunkIds) {
        const order = byRef.get(ref);
        if (!order) {
          failures.push({ orderId: ref, reason: 'order not found' });
          continue;
        }
        try {
          const r = prepared.render(order, { printedAt });
          if (r.warnings.length) warnings.push({ orderId: order.id, orderNumber: order.number, messages: r.warnings.slice(0, MAX_WARNINGS_PER_ORDER) });
          docs.push({ order, html: r.html });
        } catch (err) {
          failures.push({ orderId: order.id, orderNumber: order.number, reason: `template error: ${(err as Error).message.split('\n')[0]}` });
        }
      }
      if (docs.length === 0) return { pdfs: [], orders: [] };
      const what = docs.length === 1 ? `order ${docs[0].order.number}` : `orders ${docs[0].order.number}…${docs[docs.length - 1].order.number}`;
      try {
        const pdf = await this.deps.renderer.render(htmlDocument(prepared.css, docs.map((d) => d.html)), { timeoutMs: this.chunkTimeout(docs.length), what });
        return { pdfs: [pdf], orders: docs.map((d) => d.order) };
      } catch (err) {
        if (docs.length === 1) {
          firstError ??= err;
          failures.push({ orderId: docs[0].order.id, orderNumber: docs[0].order.number, reason: (err as Error).message });
          return { pdfs: [], orders: [] };
        }
        this.deps.logger.warn({ err: (err as Error).message, what }, 'chunk failed; rendering its documents one by one');
        const out = { pdfs: [] as Buffer[], orders: [] as Order[] };
        for (const d of docs) {
          if (options.signal?.aborted) break;
          try {
            out.pdfs.push(await this.deps.renderer.render(htmlDocument(prepared.css, [d.html]), { timeoutMs: this.limits.documentTimeoutMs, what: `order ${d.order.number}` }));
            out.orders.push(d.order);
          } catch (e) {
            failures.push({ orderId: d.order.id, orderNumber: d.order.number, reason: (e as Error).message });
          }
        }
        return out;
      }
    };

    const worker = async () => {
      while (!cancelled && !options.signal?.aborted && next < chunks.length) {
        const index = next++;
        results[index] = await renderChunk(index);
        done += chunks[index].length;
        if ((await options.onChunk?.(done)) === true) cancelled = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.renderer.concurrency, chunks.length) }, worker));
    cancelled ||= options.signal?.aborted === true;

    const orders = results.filter(Boolean).flatMap((r) => r.orders);
    if (cancelled) return { pages: 0, orders, failures, warnings, cancelled };
    const pdfs = results.filter(Boolean).flatMap((r) => r.pdfs);
    if (pdfs.length === 0) return { pages: 0, orders, failures, warnings, cancelled, firstError };
    const { pdf, pages } = pdfs.length === 1 ? { pdf: pdfs[0], pages: await pageCount(pdfs[0]) } : await mergePdfs(pdfs);
    return { pdf, pages, orders, failures, warnings, cancelled };
  }

  /** Stores the PDF and closes the job record (under `lease` for batches: undefined when it was lost). */
  private async finish(jobId: Types.ObjectId, template: TemplateDoc, outcome: RenderOutcome): Promise<PrintJobView>;
  private async finish(jobId: Types.ObjectId, template: TemplateDoc, outcome: RenderOutcome, lease: string): Promise<PrintJobView | undefined>;
  private async finish(jobId: Types.ObjectId, template: TemplateDoc, outcome: RenderOutcome, lease?: string): Promise<PrintJobView | undefined> {
    const $set: Record<string, unknown> = {
      finishedAt: new Date(),
      failures: outcome.failures.slice(0, 1000),
      warnings: outcome.warnings.slice(0, 1000),
      pages: outcome.pages,
    };
    if (outcome.orders.length) {
      $set.orderIds = outcome.orders.map((o) => o.id).concat(outcome.failures.map((f) => f.orderId));
      $set.orderNumbers = outcome.orders.map((o) => o.number).concat(outcome.failures.flatMap((f) => (f.orderNumber ? [f.orderNumber] : [])));
    }
    if (outcome.cancelled) $set.status = 'cancelled';
    else if (!outcome.pdf) {
      $set.status = 'failed';
      $set.error = outcome.failures.length ? `No document could be printed (${outcome.failures.length} failed)` : 'Nothing was printed';
    } else {
      $set.fileId = await this.deps.files.put(`${template.key}-${String(jobId)}.pdf`, outcome.pdf, { jobId: String(jobId) });
      $set.fileSize = outcome.pdf.length;
      $set.status = 'completed';
      $set['progress.done'] = outcome.orders.length + outcome.failures.length;
    }
    const doc = await this.deps.models.PrintJob.findOneAndUpdate(lease ? { _id: jobId, leaseOwner: lease } : { _id: jobId }, { $set }, { returnDocument: 'after' }).lean<PrintJobDoc>();
    if (!doc && lease) {
      if ($set.fileId) await this.deps.files.remove($set.fileId as Types.ObjectId).catch(() => undefined);
      return undefined;
    }
    return toJobView(doc!);
  }

  /* ---------- history, download, reprint ---------- */

  private async jobDoc(id: string): Promise<PrintJobDoc> {
    if (!Types.ObjectId.isValid(id) || !/^[a-f0-9]{24}$/.test(id)) throw new NotFoundError(`Print job ${id}`);
    const doc = await this.deps.models.PrintJob.findById(id).lean<PrintJobDoc>();
    if (!doc) throw new NotFoundError(`Print job ${id}`);
    return doc;
  }

  async job(id: string): Promise<PrintJobView> {
    return toJobView(await this.jobDoc(id));
  }

  async jobs(filter: { orderId?: string; templateKey?: string; status?: string; limit?: number }, principal?: Principal): Promise<PrintJobView[]> {
    const q: Record<string, unknown> = {};
    if (filter.orderId) {
      // history of one order: by id or by its number
      const [order] = await this.deps.orders.loadOrders([filter.orderId]);
      q.orderIds = { $in: [...new Set([filter.orderId, ...(order ? [order.id] : [])])] };
    }
    if (filter.templateKey) q['template.key'] = filter.templateKey;
    if (filter.status) q.status = filter.status;
    const docs = await this.deps.models.PrintJob.find(q).sort({ requestedAt: -1 }).limit(Math.min(filter.limit ?? 50, 200)).lean<PrintJobDoc[]>();
    const scope = scopeOf(principal);
    if (!scope) return docs.map(toJobView);
    const shown = await Promise.all(docs.map((d) => this.jobInScope(d, scope)));
    return docs.filter((_, i) => shown[i]).map(toJobView);
  }

  async openPdf(id: string): Promise<{ stream: Readable; size: number; filename: string }> {
    const job = await this.jobDoc(id);
    if (!job.fileId) throw new NotFoundError(`The PDF of print job ${id}`);
    return { stream: this.deps.files.open(job.fileId), size: job.fileSize ?? 0, filename: `${job.template.key}-${job.orderNumbers.length === 1 ? job.orderNumbers[0] : id}.pdf` };
  }

  /** The same PDF again (same template version, same content), recorded as a new print with its reason. */
  async reprint(principal: Principal, id: string, reason: string): Promise<PrintJobView> {
    const original = await this.jobDoc(id);
    if (original.status !== 'completed' || !original.fileId) throw new ConflictError(`Print job ${id} is ${original.status} and has no PDF to reprint`);
    const now = new Date();
    const job = await this.deps.models.PrintJob.create({
      kind: 'reprint',
      status: 'completed',
      template: original.template,
      orderIds: original.orderIds,
      orderNumbers: original.orderNumbers,
      requestedBy: actorOf(principal),
      requestedAt: now,
      startedAt: now,
      finishedAt: now,
      progress: original.progress,
      pages: original.pages,
      fileId: original.fileId,
      fileSize: original.fileSize,
      reprintOf: original._id,
      reason,
    });
    await this.deps.audit.record({ principal, action: 'print.reprint', target: { type: 'printJob', id: String(job._id), label: original.template.key }, after: { reprintOf: id, reason }, businessKeys: original.orderNumbers.length ? original.orderNumbers : original.orderIds });
    return toJobView(job.toObject());
  }

  /* ---------- lifecycle ---------- */

  /** Single prints left running by a node that stopped are marked failed, so nobody waits for them forever (batches are resumed). */
  async failInterruptedJobs(): Promise<number> {
    const stale = new Date(Date.now() - STALE_JOB_MS);
    const res = await this.deps.models.PrintJob.updateMany(
      { kind: { $ne: 'batch' }, status: { $in: ['queued', 'running'] }, heartbeatAt: { $lt: stale } },
      { $set: { status: 'failed', error: 'Interrupted: the server stopped while printing', finishedAt: new Date() } },
    );
    return res.modifiedCount;
  }

  async close(): Promise<void> {
    if (this.resumer) clearInterval(this.resumer);
    for (const r of this.running.values()) r.abort.abort('shutdown');
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

/**
 * Chunks of at most `max`, of even size, in a multiple of the pool's pages once the batch is big
 * enough to be worth splitting (fixed costs per chunk: a setContent, a pdf() and a merge).
 */
export function splitEvenly<T>(items: readonly T[], max: number, pages: number): T[][] {
  let count = Math.ceil(items.length / max);
  // a multiple of the pages, so the last round does not leave a page idle
  if (count > 1 || items.length >= pages * 10) count = Math.ceil(count / pages) * pages;
  const size = Math.ceil(items.length / Math.max(1, count));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function tooMany(limit: number, requested: number | string): UnprocessableError {
  return new UnprocessableError(`A batch may hold at most ${limit} orders; this one has ${requested}`, [{ path: 'orderIds', message: `at most ${limit} orders per batch` }], { limit });
}

const FAST_LOAD = { updateMetadata: false, parseSpeed: Infinity } as const;

export async function pageCount(pdf: Buffer): Promise<number> {
  return (await PDFDocument.load(pdf, FAST_LOAD)).getPageCount();
}

/** One PDF from many, in order (pdf-lib; no yielding between objects: this is a batch job). */
export async function mergePdfs(pdfs: readonly Buffer[]): Promise<{ pdf: Buffer; pages: number }> {
  const out = await PDFDocument.create({ updateMetadata: false });
  for (const bytes of pdfs) {
    const src = await PDFDocument.load(bytes, FAST_LOAD);
    for (const page of await out.copyPages(src, src.getPageIndices())) out.addPage(page);
  }
  return { pdf: Buffer.from(await out.save({ objectsPerTick: Infinity })), pages: out.getPageCount() };
}
