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
import { ConflictError, NotFoundError, ValidationError, isAppError, type FieldIssue } from '../../workflows/model/errors';
import type { Logger } from '../infra/logger';
import { actorOf, type Principal } from '../auth/principal';
import type { AuditService } from '../audit/audit.service';
import type { OrdersService, PreparedOrder } from '../orders/orders.service';
import { checkMapping, IMPORT_FIELDS, locateIssues, readTable, REQUIRED_FIELDS, rowsToOrders, suggestMapping, type ColumnMapping, type RowIssue, type Table } from './tabular';

const CHUNK = 1000;
const MAX_LISTED_ERRORS = 1000;

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
  createdAt: string;
}

export class ImportService {
  private readonly imports: Collection<ImportDoc>;
  private readonly rows: Collection<{ _id: string; rows: string }>;
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    connection: Connection,
    private readonly orders: OrdersService,
    private readonly audit: AuditService,
    private readonly logger: Logger,
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
  private async check(d: ImportDoc, mapping: ColumnMapping): Promise<{ prepared: PreparedOrder[]; issues: RowIssue[] }> {
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
      if (o.ref && (await this.orders.externalIdTaken('import', o.ref))) {
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
    const d = await this.load(id);
    if (d.status !== 'validated' || !d.mapping) throw new ConflictError(`Import ${id} is ${d.status}; only a validated import can be committed`);
    if (this.running.has(id)) throw new ConflictError(`Import ${id} is already being committed`);
    const set = { status: 'committing' as ImportStatus, progress: { done: 0, total: d.orderCount ?? 0 }, updatedAt: new Date() };
    await this.imports.updateOne({ _id: id }, { $set: set });
    const work = this.run({ ...d, ...set }, JSON.parse(d.mapping) as ColumnMapping, principal).finally(() => this.running.delete(id));
    this.running.set(id, work);
    return this.view({ ...d, ...set });
  }

  private async run(d: ImportDoc, mapping: ColumnMapping, principal: Principal): Promise<void> {
    try {
      const { prepared, issues } = await this.check(d, mapping);
      if (issues.length) throw new ValidationError('The file changed meaning since it was checked', []);
      const numbers = await this.orders.acceptBatch(prepared, { principal, channel: 'import', intakeNote: `file ${d.filename}` }, d._id, async (done) => {
        await this.imports.updateOne({ _id: d._id }, { $set: { progress: { done, total: prepared.length }, updatedAt: new Date() } });
      });
      await this.imports.updateOne({ _id: d._id }, { $set: { status: 'completed', numbers, progress: { done: prepared.length, total: prepared.length }, updatedAt: new Date() } });
      await this.rows.deleteMany({ _id: { $in: Array.from({ length: d.chunks }, (_, i) => `${d._id}:${i}`) } });
      await this.audit.record({ principal, action: 'order.import', target: { type: 'import', id: d._id, label: d.filename }, after: { orders: numbers.length } });
    } catch (err) {
      this.logger.warn({ err, importId: d._id }, 'import failed; nothing was kept');
      await this.imports.updateOne({ _id: d._id }, { $set: { status: 'failed', failure: (err as Error).message.slice(0, 500), progress: { done: 0, total: d.progress.total }, updatedAt: new Date() } });
    }
  }

  async get(id: string): Promise<ImportView> {
    return this.view(await this.load(id));
  }

  /** Waits for a running commit (tests, shutdown). */
  async settled(id?: string): Promise<void> {
    await Promise.all(id ? [this.running.get(id)] : [...this.running.values()]);
  }
}
