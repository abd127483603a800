/**
 * Collections of the printing module: `templates` (one draft per key, version 0, plus immutable
 * published versions 1..n), `printAssets` (uploaded images), `printJobs` (every print, with its
 * PDF in the GridFS bucket `printFiles`). Project data is kept as a JSON string: user-authored
 * keys may hold characters FerretDB cannot store as document keys.
 */
import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { PaperSettings } from '../../workflows/print/paper';
import { PRINT_JOB_STATUSES, type PrintJobKind, type PrintJobStatus, type PrintJobView } from '../contracts/print';

export interface TemplateDoc {
  _id: Types.ObjectId;
  key: string;
  /** 0 = the draft; 1..n = published, never changed again */
  version: number;
  status: 'draft' | 'published';
  name: string;
  description?: string;
  paper: PaperSettings;
  projectData: string;
  compiled: { html: string; css: string };
  /** sanitising removals of the last save */
  removed: string[];
  /** optimistic concurrency of the draft */
  revision: number;
  /** draft: the version it was last published as */
  publishedVersion?: number;
  note?: string;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface AssetDoc {
  _id: Types.ObjectId;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  data: Buffer;
  createdAt: Date;
  createdBy: string;
}

export { PRINT_JOB_STATUSES, type PrintJobStatus };

export interface PrintJobDoc {
  _id: Types.ObjectId;
  kind: PrintJobKind;
  status: PrintJobStatus;
  template: { key: string; version: number; name: string };
  orderIds: string[];
  orderNumbers: string[];
  /** the search a batch was built from, as JSON */
  filter?: string;
  requestedBy: { kind: string; id: string | null; label: string };
  requestedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  heartbeatAt?: Date;
  progress: { done: number; total: number };
  /** batches: times started (1 + takeovers after a node stopped) and the lease of the run in progress */
  runs?: number;
  leaseOwner?: string | null;
  pages: number;
  /** documents that could not be rendered; the rest of the batch is in the PDF */
  failures: PrintJobView['failures'];
  warnings: PrintJobView['warnings'];
  fileId?: Types.ObjectId;
  fileSize?: number;
  cancelRequested: boolean;
  reprintOf?: Types.ObjectId;
  reason?: string;
  error?: string;
  /** flow print tasks: the engine's idempotency key, so a retried task does not print twice */
  idempotencyKey?: string;
  source?: { instanceId?: string; activityId?: string };
}

const paperSchema = new Schema(
  {
    size: { type: String, required: true },
    orientation: { type: String, required: true },
    width: Number,
    height: Number,
    margins: { top: Number, right: Number, bottom: Number, left: Number },
  },
  { _id: false },
);

const templateSchema = new Schema<TemplateDoc>(
  {
    key: { type: String, required: true },
    version: { type: Number, required: true },
    status: { type: String, required: true, enum: ['draft', 'published'] },
    name: { type: String, required: true },
    description: String,
    paper: { type: paperSchema, required: true },
    projectData: { type: String, required: true },
    compiled: { html: { type: String, default: '' }, css: { type: String, default: '' } },
    removed: { type: [String], default: [] },
    revision: { type: Number, default: 1 },
    publishedVersion: Number,
    note: String,
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, required: true },
  },
  { collection: 'templates', versionKey: false },
);
templateSchema.index({ key: 1, version: 1 }, { unique: true });

const assetSchema = new Schema<AssetDoc>(
  {
    name: { type: String, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true, index: true },
    data: { type: Buffer, required: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { collection: 'printAssets', versionKey: false },
);

const printJobSchema = new Schema<PrintJobDoc>(
  {
    kind: { type: String, required: true },
    status: { type: String, required: true, enum: PRINT_JOB_STATUSES, index: true },
    template: { key: { type: String, required: true }, version: { type: Number, required: true }, name: String },
    orderIds: { type: [String], default: [], index: true },
    orderNumbers: { type: [String], default: [] },
    filter: String,
    requestedBy: { kind: String, id: { type: String, default: null }, label: String },
    requestedAt: { type: Date, required: true, index: true },
    startedAt: Date,
    finishedAt: Date,
    heartbeatAt: Date,
    progress: { done: { type: Number, default: 0 }, total: { type: Number, default: 0 } },
    runs: Number,
    leaseOwner: { type: String, default: null },
    pages: { type: Number, default: 0 },
    failures: { type: [{ _id: false, orderId: String, orderNumber: String, reason: String }], default: [] },
    warnings: { type: [{ _id: false, orderId: String, orderNumber: String, messages: [String] }], default: [] },
    fileId: Schema.Types.ObjectId,
    fileSize: Number,
    cancelRequested: { type: Boolean, default: false },
    reprintOf: Schema.Types.ObjectId,
    reason: String,
    error: String,
    idempotencyKey: { type: String, index: true },
    source: { instanceId: String, activityId: String },
  },
  { collection: 'printJobs', versionKey: false },
);

export interface PrintingModels {
  Template: Model<TemplateDoc>;
  Asset: Model<AssetDoc>;
  PrintJob: Model<PrintJobDoc>;
}

export function printingModels(connection: Connection): PrintingModels {
  const get = <T>(name: string, schema: Schema<T>) => (connection.models[name] as Model<T>) ?? connection.model<T>(name, schema);
  return {
    Template: get('PrintTemplate', templateSchema),
    Asset: get('PrintAsset', assetSchema),
    PrintJob: get('PrintJob', printJobSchema),
  };
}
