/**
 * The `ruleSets` collection: one document per (key, version). Version 0 is the editable draft;
 * versions 1, 2, … are published and never updated (no code path writes to them after insert).
 * The unique index on (key, version) makes two concurrent publishes of n+1 impossible.
 * The document itself is stored as a JSON string: conditions, test orders and event parameters are
 * user data whose keys FerretDB may not store.
 */
import crypto from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { ConflictError, NotFoundError } from '../../workflows/model/errors';
import type { RuleSetDocument, RuleSetKind } from '../../workflows/model/rule-set';

export const DRAFT_VERSION = 0;

export interface RuleSetRecord {
  key: string;
  version: number;
  status: 'draft' | 'published';
  name: string;
  kind: RuleSetKind;
  doc: string;
  hash: string;
  /** edit counter of the draft (optimistic concurrency) */
  rev: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
  publishedAt?: Date;
  publishedBy?: string;
  note?: string;
}

const schema = new Schema<RuleSetRecord>(
  {
    key: { type: String, required: true },
    version: { type: Number, required: true },
    status: { type: String, enum: ['draft', 'published'], required: true },
    name: { type: String, required: true },
    kind: { type: String, required: true },
    doc: { type: String, required: true },
    hash: { type: String, required: true },
    rev: { type: Number, default: 1 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, required: true },
    publishedAt: Date,
    publishedBy: String,
    note: String,
  },
  { collection: 'ruleSets', versionKey: false },
);
schema.index({ key: 1, version: 1 }, { unique: true });

/** sha256 of the document with sorted keys: the same content always has the same hash. */
export function hashRuleSet(doc: RuleSetDocument): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return crypto.createHash('sha256').update(JSON.stringify(canonical(doc))).digest('hex');
}

export interface VersionSummary {
  version: number;
  hash: string;
  publishedAt: string;
  publishedBy: string;
  note?: string;
}

export interface RuleSetSummary {
  key: string;
  name: string;
  kind: RuleSetKind;
  latestVersion: number | null;
  draft: { rev: number; updatedAt: string; updatedBy: string; hash: string } | null;
  /** the draft equals the latest published version */
  draftUnchanged: boolean;
}

const isDuplicateKey = (err: unknown) => (err as { code?: number }).code === 11000;

export class RuleSetStore {
  readonly Model: Model<RuleSetRecord>;

  constructor(connection: Connection) {
    this.Model = (connection.models.RuleSet as Model<RuleSetRecord>) ?? connection.model<RuleSetRecord>('RuleSet', schema);
  }

  /** Builds the unique index before anything relies on it. */
  async init(): Promise<void> {
    await this.Model.init();
  }

  async list(): Promise<RuleSetSummary[]> {
    const rows = await this.Model.find({}, { doc: 0 }).sort({ key: 1, version: 1 }).lean();
    const byKey = new Map<string, Array<(typeof rows)[number]>>();
    for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    return [...byKey.entries()].map(([key, records]) => {
      const draft = records.find((r) => r.version === DRAFT_VERSION);
      const latest = records.filter((r) => r.version > DRAFT_VERSION).pop();
      const head = draft ?? latest!;
      return {
        key,
        name: head.name,
        kind: head.kind,
        latestVersion: latest?.version ?? null,
        draft: draft ? { rev: draft.rev, updatedAt: draft.updatedAt.toISOString(), updatedBy: draft.updatedBy, hash: draft.hash } : null,
        draftUnchanged: Boolean(draft && latest && draft.hash === latest.hash),
      };
    });
  }

  async draft(key: string): Promise<{ doc: RuleSetDocument; rev: number; hash: string; updatedAt: string; updatedBy: string } | undefined> {
    const r = await this.Model.findOne({ key, version: DRAFT_VERSION }).lean();
    return r ? { doc: JSON.parse(r.doc) as RuleSetDocument, rev: r.rev, hash: r.hash, updatedAt: r.updatedAt.toISOString(), updatedBy: r.updatedBy } : undefined;
  }

  async versions(key: string): Promise<VersionSummary[]> {
    const rows = await this.Model.find({ key, version: { $gt: DRAFT_VERSION } }, { doc: 0 }).sort({ version: -1 }).lean();
    return rows.map((r) => ({ version: r.version, hash: r.hash, publishedAt: (r.publishedAt ?? r.createdAt).toISOString(), publishedBy: r.publishedBy ?? r.updatedBy, note: r.note }));
  }

  async latestVersion(key: string): Promise<number | undefined> {
    const r = await this.Model.findOne({ key, version: { $gt: DRAFT_VERSION } }, { version: 1 }).sort({ version: -1 }).lean();
    return r?.version;
  }

  async load(key: string, version: number): Promise<RuleSetDocument | undefined> {
    if (version <= DRAFT_VERSION) return undefined;
    const r = await this.Model.findOne({ key, version }, { doc: 1 }).lean();
    return r ? (JSON.parse(r.doc) as RuleSetDocument) : undefined;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.Model.exists({ key })) !== null;
  }

  async createDraft(doc: RuleSetDocument, actor: string): Promise<{ rev: number; hash: string }> {
    if (await this.exists(doc.key)) throw new ConflictError(`A rule set with the key ${doc.key} already exists`);
    const now = new Date();
    const hash = hashRuleSet(doc);
    try {
      await this.Model.create({ key: doc.key, version: DRAFT_VERSION, status: 'draft', name: doc.name, kind: doc.kind, doc: JSON.stringify(doc), hash, rev: 1, createdAt: now, updatedAt: now, updatedBy: actor });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(`A rule set with the key ${doc.key} already exists`);
      throw err;
    }
    return { rev: 1, hash };
  }

  /** Saves the draft; with expectedRev, only if nobody saved in between (409 otherwise). */
  async saveDraft(doc: RuleSetDocument, actor: string, expectedRev?: number): Promise<{ rev: number; hash: string }> {
    const hash = hashRuleSet(doc);
    const now = new Date();
    const filter: Record<string, unknown> = { key: doc.key, version: DRAFT_VERSION };
    if (expectedRev !== undefined) filter.rev = expectedRev;
    const updated = await this.Model.findOneAndUpdate(filter, { $set: { name: doc.name, kind: doc.kind, doc: JSON.stringify(doc), hash, updatedAt: now, updatedBy: actor }, $inc: { rev: 1 } }, { returnDocument: 'after' }).lean();
    if (updated) return { rev: updated.rev, hash };
    const draft = await this.Model.exists({ key: doc.key, version: DRAFT_VERSION });
    if (draft) throw new ConflictError('The draft was changed by someone else; reload it and apply your change again', { expectedRev });
    if ((await this.latestVersion(doc.key)) === undefined) throw new NotFoundError(`Rule set ${doc.key}`);
    // only published versions exist: this save opens a new draft
    try {
      await this.Model.create({ key: doc.key, version: DRAFT_VERSION, status: 'draft', name: doc.name, kind: doc.kind, doc: JSON.stringify(doc), hash, rev: 1, createdAt: now, updatedAt: now, updatedBy: actor });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError('The draft was opened by someone else at the same time; reload it');
      throw err;
    }
    return { rev: 1, hash };
  }

  async deleteDraft(key: string): Promise<boolean> {
    const r = await this.Model.deleteOne({ key, version: DRAFT_VERSION });
    return r.deletedCount === 1;
  }

  /** Inserts version n; a second publish of the same n loses on the unique index (409). */
  async insertPublished(doc: RuleSetDocument, version: number, actor: string, note?: string): Promise<VersionSummary> {
    const now = new Date();
    const hash = hashRuleSet(doc);
    try {
      await this.Model.create({ key: doc.key, version, status: 'published', name: doc.name, kind: doc.kind, doc: JSON.stringify(doc), hash, rev: 0, createdAt: now, updatedAt: now, updatedBy: actor, publishedAt: now, publishedBy: actor, note });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(`Version ${version} of ${doc.key} was published by someone else a moment ago; reload and try again`);
      throw err;
    }
    return { version, hash, publishedAt: now.toISOString(), publishedBy: actor, note };
  }
}
