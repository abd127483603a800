/**
 * CSV/XLSX import: upload → column mapping → every row checked (row and column named) before
 * anything is created → commit all or nothing, with progress to poll.
 *
 * The parsed rows are staged in orderImportRows (chunks of JSON text: FerretDB stores no nested
 * arrays). The commit runs in the background through OrdersService.acceptBatch, which claims the
 * external ids, inserts the orders with the import's batch id and removes them again on failure;
 * flows start only after the whole file is in.
 */
import crypto from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { ConflictError, NodeStoppingError, NotFoundError, ValidationError, isAppError, type FieldIssue } from '../../workflows/model/errors';
import type { Logger } from '../infra/logger';
import { ANONYMOUS, actorOf, type Principal } from '../auth/principal';
import { claimOnce } from '../db/claim-once';
import { LeasedRun } from '../db/leased-run';
import type { ScopeFacts } from '../auth/record-scope';
import type { AuditService } from '../audit/audit.service';
import type { OrdersService, PreparedOrder } from '../orders/orders.service';
import { checkMapping, IMPORT_FIELDS, locateIssues, readTable, REQUIRED_FIELDS, rowsToOrders, suggestMapping, type ColumnMapping, type RowIssue, type Table } from './tabular';

/** What the record-scope rule knows of an import: its orders are of the import channel, not allocated yet. */
export const IMPORT_FACTS: ScopeFacts = { channel: 'import', warehouse: null };

const CHUNK = 1000;
const MAX_LISTED_ERRORS = 1000;
/** a commit whose nodes keep dying is not started a fourth time (no silent loop) */
const MAX_RUNS = 3;

export type ImportStatus = 'uploaded' | 'invalid' | 'validated' | 'committing' | 'completed' | 'failed';

interface ImportDoc {
  _id: string;
  filename: string;
  kind: Table['kind'];
  columns: string[];
  rowCount: number;
  chunks: number;
  status: ImportStatus;
  mapping?: string;
  errors: RowIssue[];
  errorCount: number;
  orderCount?: number;
  progress: { done: number; total: number };
  numbers: string[];
  failure?: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  /** commit: times started (1 + takeovers after a node stopped), the lease of the run and its heartbeat */
  runs?: number;
  leaseOwner?: string | null;
  heartbeatAt?: Date;
  committer?: ReturnType<typeof actorOf>;
}

/** The committer again, for a commit taken over from a node that stopped (orders and audit need only who it was). */
function principalOf(a: ReturnType<typeof actorOf> | undefined): Principal {
  if (a?.kind === 'user' && a.id) return { kind: 'user', userId: a.id, email: a.label, name: a.label, role: 'viewer', groups: [], permissions: new Set(), sessionId: '', csrfToken: '' };
  if (a?.kind === 'apiKey' && a.id) return { kind: 'apiKey', keyId: a.id, name: a.label.replace(/^api-key:/, ''), permissions: new Set() };
  return ANONYMOUS;
}

export interface ImportView {
  id: string;
  filename: string;
  kind: Table['kind'];
  columns: string[];
  rowCount: number;
  status: ImportStatus;
  mapping?: ColumnMapping;
  suggestedMapping?: ColumnMapping;
  fields?: Array<{ field: string; required: boolean }>;
  sample?: Array<Record<string, string>>;
  errors: RowIssue[];
  errorCount: number;
  orderCount?: number;
  progress: { done: number; total: number; percent: number };
  numbers: string[];
  failure?: string;
  /** times the commit was started: 1, plus one per takeover after its node stopped */
  runs?: number;
  createdAt: string;
}

export class ImportService {
  private readonly imports: Collection<ImportDoc>;
  private readonly rows: Collection<{ _id: string; rows: string }>;
  private readonly running = new Map<string, Promise<void>>();
  private handingBack = false;
  private readonly owner = `import-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  private resumer?: NodeJS.Timeout;

  constructor(
    private readonly connection: Connection,
    private readonly orders: OrdersService,
    private readonly audit: AuditService,
    private readonly logger: Logger,
    /** a commit without a heartbeat for this long is taken over by another node */
    private readonly leaseMs = 30_000,
  ) {
    this.imports = connection.collection('orderImports') as unknown as Collection<ImportDoc>;
    this.rows = connection.collection('orderImportRows') as unknown as Collection<{ _id: string; rows: string }>;
  }

  private view(d: ImportDoc, extra: Partial<ImportView> = {}): ImportView {
    const percent = d.progress.total ? Math.round((100 * d.progress.done) / d.progress.total) : d.status === 'completed' ? 100 : 0;
    return {
      id: d._id,
      filename: d.filename,
      kind: d.kind,
      columns: d.columns,
      rowCount: d.rowCount,
      status: d.status,
      mapping: d.mapping ? JSON.parse(d.mapping) : undefined,
      errors: d.errors,
      errorCount: d.errorCount,
      orderCount: d.orderCount,
      progress: { ...d.progress, percent },
      numbers: d.numbers.slice(0, 100),
      failure: d.failure,
      runs: d.runs,
      createdAt: new Date(d.createdAt).toISOString(),
      ...extra,
    };
  }

  async upload(buf: Buffer, filename: string, principal: Principal): Promise<ImportView> {
    if (!buf.length) throw new ValidationError('The file is empty', [{ path: '(file)', message: 'no content' }]);
    const table = await readTable(buf);
    const id = crypto.randomUUID();
    const chunks = Math.ceil(table.rows.length / CHUNK);
    for (let i = 0; i < chunks; i++) await this.rows.insertOne({ _id: `${id}:${i}`, rows: JSON.stringify(table.rows.slice(i * CHUNK, (i + 1) * CHUNK)) });
    const now = new Date();
    const doc: ImportDoc = {
      _id: id,
      filename: filename.slice(0, 200),
      kind: table.kind,
      columns: table.columns,
      rowCount: table.rows.length,
      chunks,
      status: 'uploaded',
      errors: [],
      errorCount: 0,
      progress: { done: 0, total: 0 },
      numbers: [],
      createdBy: actorOf(principal).label,
      createdAt: now,
      updatedAt: now,
    };
    await this.imports.insertOne(doc);
    const sample = table.rows.slice(0, 5).map((r) => Object.fromEntries(table.columns.map((c, i) => [c, r[i] ?? ''])));
    return this.view(doc, { suggestedMapping: suggestMapping(table.columns), fields: IMPORT_FIELDS.map((f) => ({ field: f, required: REQUIRED_FIELDS.includes(f) })), sample });
  }

  private async load(id: string): Promise<ImportDoc> {
    const d = await this.imports.findOne({ _id: id });
    if (!d) throw new NotFoundError(`Import ${id}`);
    return d;
  }

  private async table(d: ImportDoc): Promise<Table> {
    const rows: string[][] = [];
    for (let i = 0; i < d.chunks; i++) {
      const c = await this.rows.findOne({ _id: `${d._id}:${i}` });
      if (!c) throw new ConflictError(`Import ${d._id} lost its staged rows; upload the file again`);
      rows.push(...(JSON.parse(c.rows) as string[][]));
    }
    return { kind: d.kind, columns: d.columns, rows };
  }

  /** Maps and checks every row; returns the row-level errors. Nothing is created. */
  private async check(d: ImportDoc, mapping: ColumnMapping, checkTaken = true): Promise<{ prepared: PreparedOrder[]; issues: RowIssue[] }> {
    const mappingIssues = checkMapping(d.columns, mapping);
    if (mappingIssues.length) throw new ValidationError('The column mapping is incomplete', mappingIssues);
    const table = await this.table(d);
    const { orders, issues } = rowsToOrders(table, mapping);
    const prepared: PreparedOrder[] = [];
    for (const o of orders) {
      try {
        prepared.push(this.orders.prepare(o.input, { channel: 'import' }));
      } catch (err) {
        if (!isAppError(err) || !err.issues) throw err;
        issues.push(...locateIssues(o, err.issues as FieldIssue[], mapping));
      }
      if (checkTaken && o.ref && (await this.orders.externalIdTaken('import', o.ref))) {
        issues.push({ row: o.lineRows[0], column: mapping.orderRef, field: 'orderRef', message: `order ${o.ref} was already imported` });
      }
    }
    issues.sort((a, b) => a.row - b.row);
    return { prepared, issues };
  }

  async map(id: string, mapping: ColumnMapping): Promise<ImportView> {
    const d = await this.load(id);
    if (!['uploaded', 'invalid', 'validated'].includes(d.status)) throw new ConflictError(`Import ${id} is ${d.status}`);
    const { prepared, issues } = await this.check(d, mapping);
    const set = {
      mapping: JSON.stringify(mapping),
      status: (issues.length ? 'invalid' : 'validated') as ImportStatus,
      errors: issues.slice(0, MAX_LISTED_ERRORS),
      errorCount: issues.length,
      orderCount: prepared.length,
      updatedAt: new Date(),
    };
    await this.imports.updateOne({ _id: id }, { $set: set });
    return this.view({ ...d, ...set });
  }

  /** Starts the all-or-nothing commit in the background; poll get() for progress. */
  async commit(id: string, principal: Principal): Promise<ImportView> {
    if (this.handingBack) throw new NodeStoppingError('This node is stopping; commit the import again in a moment');
    const d = await this.load(id);
    if (d.status !== 'validated' || !d.mapping) throw new ConflictError(`Import ${id} is ${d.status}; only a validated import can be committed`);
    if (this.running.has(id)) throw new ConflictError(`Import ${id} is already being committed`);
    const now = new Date();
    const lease = `${this.owner}#1`;
    const set = { status: 'committing' as ImportStatus, progress: { done: 0, total: d.orderCount ?? 0 }, updatedAt: now, runs: 1, leaseOwner: lease, heartbeatAt: now, committer: actorOf(principal) };
    await this.imports.updateOne({ _id: id }, { $set: set });
    this.launch({ ...d, ...set }, principal, lease, false);
    return this.view({ ...d, ...set });
  }

  private launch(d: ImportDoc, principal: Principal, lease: string, recover: boolean): void {
    const work = this.run(d, JSON.parse(d.mapping!) as ColumnMapping, principal, lease, recover).finally(() => this.running.delete(d._id));
    this.running.set(d._id, work);
  }

  /**
   * Commits under a lease (a heartbeat keeps it while this node lives; writes are fenced by it). A run
   * that takes over from a stopped node first settles what that node wrote (orders.recoverBatch).
   */
  private async run(d: ImportDoc, mapping: ColumnMapping, principal: Principal, lease: string, recover: boolean): Promise<void> {
    const mine = { _id: d._id, leaseOwner: lease };
    const leased = new LeasedRun(() => this.imports.updateOne(mine, { $set: { heartbeatAt: new Date() } }), Math.max(500, Math.round(this.leaseMs / 3)));
    const opts = { principal, channel: 'import' as const, intakeNote: `file ${d.filename}` };
    try {
      let numbers = recover ? await this.orders.recoverBatch(d._id, (await this.check(d, mapping, false)).prepared, opts) : undefined;
      if (!numbers) {
        const { prepared, issues } = await this.check(d, mapping);
        if (issues.length) throw new ValidationError('The file changed meaning since it was checked', []);
        numbers = await this.orders.acceptBatch(prepared, opts, d._id, async (done) => {
          if (this.handingBack) throw new NodeStoppingError();
          await leased.write(() => this.imports.updateOne(mine, { $set: { progress: { done, total: prepared.length }, updatedAt: new Date(), heartbeatAt: new Date() } }));
        });
      }
      await leased.stop();
      const res = await this.imports.updateOne(mine, { $set: { status: 'completed', numbers, progress: { done: numbers.length, total: numbers.length }, updatedAt: new Date(), leaseOwner: null } });
      if (res.modifiedCount === 0) return this.logger.warn({ importId: d._id }, 'import lease lost; another node finished it');
      await this.rows.deleteMany({ _id: { $in: Array.from({ length: d.chunks }, (_, i) => `${d._id}:${i}`) } });
      await this.audit.record({ principal, action: 'order.import', target: { type: 'import', id: d._id, label: d.filename }, after: { orders: numbers.length, runs: d.runs ?? 1 }, businessKeys: numbers });
    } catch (err) {
      await leased.stop();
      if (err instanceof NodeStoppingError) {
        // left as written (recoverBatch settles it); the stale heartbeat lets another node's resumer take it at once
        await this.imports.updateOne(mine, { $set: { leaseOwner: null, heartbeatAt: new Date(0), progress: { done: 0, total: d.progress.total }, updatedAt: new Date() } });
        return this.logger.info({ importId: d._id }, 'import handed back on shutdown; another node commits it');
      }
      this.logger.warn({ err, importId: d._id }, 'import failed; nothing was kept');
      await this.imports.updateOne(mine, { $set: { status: 'failed', failure: (err as Error).message.slice(0, 500), progress: { done: 0, total: d.progress.total }, updatedAt: new Date(), leaseOwner: null } });
    } finally {
      await leased.stop();
    }
  }

  /**
   * Takes over commits whose node stopped (no heartbeat for a lease): one node wins each takeover
   * (a unique claim per run), counted in `runs`. After MAX_RUNS the commit is undone and fails.
   */
  async resumeInterrupted(): Promise<number> {
    const stale = Date.now() - this.leaseMs;
    const docs = (await this.imports.find({ status: 'committing' }).limit(20).toArray()).filter((d) => new Date(d.heartbeatAt ?? d.updatedAt).getTime() < stale && !this.running.has(d._id));
    let resumed = 0;
    for (const d of docs) {
      const run = (d.runs ?? 1) + 1;
      if (!(await claimOnce(this.connection, `import:${d._id}:${run}`, { importId: d._id }))) continue;
      const lease = `${this.owner}#${run}`;
      const now = new Date();
      await this.imports.updateOne({ _id: d._id }, { $set: { runs: run, leaseOwner: lease, heartbeatAt: now, updatedAt: now } });
      const principal = principalOf(d.committer);
      if (run > MAX_RUNS) {
        const failure = `Interrupted ${run - 1} times: the nodes committing it stopped; nothing was kept, commit the file again`;
        try {
          const { prepared } = await this.check(d, JSON.parse(d.mapping!) as ColumnMapping, false);
          const kept = await this.orders.recoverBatch(d._id, prepared, { principal, channel: 'import' });
          await this.imports.updateOne({ _id: d._id, leaseOwner: lease }, { $set: kept ? { status: 'completed', numbers: kept, progress: { done: kept.length, total: kept.length } } : { status: 'failed', failure, progress: { done: 0, total: d.progress.total } } });
        } catch (err) {
          this.logger.warn({ err, importId: d._id }, 'an interrupted import could not be undone');
        }
        continue;
      }
      this.logger.warn({ importId: d._id, run }, 'import commit taken over from a node that stopped');
      this.launch({ ...d, runs: run }, principal, lease, true);
      resumed++;
    }
    return resumed;
  }

  /** Looks for commits to take over every half lease (and once now). */
  startResuming(): void {
    const tick = () => void this.resumeInterrupted().catch((err) => this.logger.warn({ err }, 'could not resume interrupted imports'));
    tick();
    this.resumer = setInterval(tick, Math.max(500, Math.round(this.leaseMs / 2)));
    this.resumer.unref();
  }

  stopResuming(): void {
    if (this.resumer) clearInterval(this.resumer);
  }

  /**
   * Graceful shutdown: no new commit starts here, and a commit still writing its orders stops at its
   * next chunk and gives its lease back, so another node takes the file over now rather than a lease
   * later (it settles what was written, as after a crash). A commit past its orders finishes here.
   */
  async handBack(): Promise<void> {
    this.handingBack = true;
    this.stopResuming();
    await this.settled();
  }

  async get(id: string): Promise<ImportView> {
    return this.view(await this.load(id));
  }

  /** Waits for a running commit (tests, shutdown). */
  async settled(id?: string): Promise<void> {
    await Promise.all(id ? [this.running.get(id)] : [...this.running.values()]);
  }
}
