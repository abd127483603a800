/**
 * Small documents keyed by _id that hold the order search index and the report rollups.
 *
 * Why: FerretDB 1.24 on SQLite pushes down only `{_id: <string>}` filters; every other filter is
 * evaluated in Go over the whole collection (≈14 s for one query over 100,000 orders, measured).
 * So the lookups Ordo needs (per day, per customer, per SKU and month, per step) are documents
 * whose _id *is* the lookup key, and reports read a few hundred of them instead of every order.
 *
 * Writes are read-modify-write in code, serialised per bucket and coalesced: all changes queued
 * for one bucket while its previous write runs are applied in the next single write (group commit).
 */
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';

export interface BucketDoc {
  _id: string;
  /** search entries: "ms|number|…", see order-index.ts */
  entries?: string[];
  /** counters: nested maps of numbers (keys are enum values or base64url of user data) */
  c?: Record<string, unknown>;
  /** capped samples (step durations in ms) */
  samples?: number[];
  updatedAt?: Date;
}

/** One change to a bucket. */
export interface BucketOp {
  /** counter path (dotted, segments must be safe keys) → delta */
  inc?: Record<string, number>;
  /** remove entries starting with one of these prefixes (before adding) */
  removePrefixes?: string[];
  add?: string[];
  /** counters that keep the smallest value seen (e.g. the first order's time) */
  min?: Record<string, number>;
  /** append samples and keep the last `cap` */
  samples?: { values: number[]; cap: number };
}

interface Pending {
  ops: BucketOp[];
  waiters: Array<{ resolve(): void; reject(err: unknown): void }>;
}

export function bucketCollection(connection: Connection): Collection<BucketDoc> {
  return connection.collection('orderIndex') as unknown as Collection<BucketDoc>;
}

function incPath(target: Record<string, unknown>, path: string, delta: number): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  const next = (typeof node[last] === 'number' ? (node[last] as number) : 0) + delta;
  if (next === 0) delete node[last];
  else node[last] = next;
}

export function applyOps(doc: BucketDoc, ops: BucketOp[]): BucketDoc {
  const out: BucketDoc = { _id: doc._id, entries: doc.entries ? [...doc.entries] : undefined, c: doc.c ? structuredClone(doc.c) : undefined, samples: doc.samples ? [...doc.samples] : undefined };
  for (const op of ops) {
    if (op.inc) {
      out.c ??= {};
      for (const [path, delta] of Object.entries(op.inc)) incPath(out.c, path, delta);
    }
    if (op.min) {
      out.c ??= {};
      for (const [k, v] of Object.entries(op.min)) if (typeof out.c[k] !== 'number' || v < (out.c[k] as number)) out.c[k] = v;
    }
    if (op.removePrefixes?.length && out.entries) {
      const prefixes = op.removePrefixes;
      out.entries = out.entries.filter((e) => !prefixes.some((p) => e.startsWith(p)));
    }
    if (op.add?.length) out.entries = [...(out.entries ?? []), ...op.add];
    if (op.samples) out.samples = [...(out.samples ?? []), ...op.samples.values].slice(-op.samples.cap);
  }
  return out;
}

export class BucketStore {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Set<string>();
  private readonly cache = new Map<string, { at: number; doc: BucketDoc | null }>();

  constructor(
    private readonly col: Collection<BucketDoc>,
    private readonly cacheMs = 0,
  ) {}

  /** Queues ops for one bucket; resolves once they are written. */
  apply(id: string, op: BucketOp): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let p = this.pending.get(id);
      if (!p) this.pending.set(id, (p = { ops: [], waiters: [] }));
      p.ops.push(op);
      p.waiters.push({ resolve, reject });
      if (!this.running.has(id)) void this.flush(id);
    });
  }

  async applyMany(changes: Map<string, BucketOp[]>): Promise<void> {
    await Promise.all([...changes].flatMap(([id, ops]) => ops.map((op) => this.apply(id, op))));
  }

  private async flush(id: string): Promise<void> {
    this.running.add(id);
    try {
      for (;;) {
        const batch = this.pending.get(id);
        if (!batch) break;
        this.pending.delete(id);
        try {
          const current = (await this.col.findOne({ _id: id })) ?? { _id: id };
          const next = applyOps(current, batch.ops);
          await this.col.replaceOne({ _id: id }, { ...next, updatedAt: new Date() }, { upsert: true });
          this.cache.delete(id);
          for (const w of batch.waiters) w.resolve();
        } catch (err) {
          for (const w of batch.waiters) w.reject(err);
        }
      }
    } finally {
      this.running.delete(id);
    }
  }

  async get(id: string): Promise<BucketDoc | null> {
    if (this.cacheMs > 0) {
      const hit = this.cache.get(id);
      if (hit && Date.now() - hit.at < this.cacheMs) return hit.doc;
    }
    const doc = await this.col.findOne({ _id: id });
    if (this.cacheMs > 0) this.cache.set(id, { at: Date.now(), doc });
    return doc;
  }

  /** Reads many buckets by _id, a few at a time (one `$in` would not be pushed down). */
  async getMany(ids: string[], concurrency = 8): Promise<Map<string, BucketDoc>> {
    const out = new Map<string, BucketDoc>();
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const doc = await this.get(id);
        if (doc) out.set(id, doc);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    return out;
  }

  /** Replaces whole buckets (used by the rebuild); not coalesced. */
  async putAll(docs: BucketDoc[]): Promise<void> {
    for (let i = 0; i < docs.length; i += 200) {
      const chunk = docs.slice(i, i + 200);
      await this.col.deleteMany({ _id: { $in: chunk.map((d) => d._id) } });
      await this.col.insertMany(chunk.map((d) => ({ ...d, updatedAt: new Date() })));
    }
    this.cache.clear();
  }
}
