/**
 * Small documents keyed by _id that hold the order search index and the report rollups.
 *
 * Why: FerretDB 1.24 on SQLite pushes down only `{_id: <string>}` filters, and even those scan the
 * table (its _id index is built on another expression than the one it queries with): every
 * lookup costs time in proportion to the collection's bytes. So each kind of bucket lives in its
 * own small collection, the lookups Ordo needs (per day, per customer, per SKU and month, per step)
 * are documents whose _id is the lookup key, and reports read a range of day documents in one query.
 *
 * Writes are write-behind: apply() queues a change and returns; all changes queued for one bucket
 * are applied in its next single write (group commit), a few buckets at a time. Reads on this node
 * first wait for its queued writes, so a search right after an intake sees the order.
 */
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from '../infra/logger';

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
  /** counters that keep the smallest value seen (e.g. the first order's time) */
  min?: Record<string, number>;
  /** remove entries starting with one of these prefixes (before adding) */
  removePrefixes?: string[];
  add?: string[];
  /** append samples and keep the last `cap` */
  samples?: { values: number[]; cap: number };
}

/** Bucket id prefix → collection. */
const COLLECTION_OF: Record<string, string> = {
  d: 'orderIndexDays',
  m: 'orderIndexDays',
  o: 'orderIndexOpen',
  r: 'orderIndexRows',
  c: 'orderIndexCustomers',
  n: 'orderIndexNames',
  s: 'orderIndexSkus',
  t: 'orderIndexSteps',
  p: 'orderIndexPlan',
};
export const BUCKET_COLLECTIONS = [...new Set(Object.values(COLLECTION_OF))];

function incPath(target: Record<string, unknown>, path: string, delta: number): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  const next = (typeof node[last] === 'number' ? (node[last] as number) : 0) + delta;
  if (Math.abs(next) < 1e-9) delete node[last];
  else node[last] = Math.round(next * 1e6) / 1e6;
}

export function applyOps(doc: BucketDoc, ops: BucketOp[]): BucketDoc {
  const out: BucketDoc = { _id: doc._id };
  if (doc.entries) out.entries = [...doc.entries];
  if (doc.c) out.c = structuredClone(doc.c);
  if (doc.samples) out.samples = [...doc.samples];
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
  private readonly cols = new Map<string, Collection<BucketDoc>>();
  private readonly pending = new Map<string, BucketOp[]>();
  private readonly ready: string[] = [];
  private readonly running = new Set<string>();
  private idleWaiters: Array<() => void> = [];
  private active = 0;

  constructor(
    connection: Connection,
    private readonly logger: Logger,
    private readonly concurrency = 4,
  ) {
    for (const name of BUCKET_COLLECTIONS) this.cols.set(name, connection.collection(name) as unknown as Collection<BucketDoc>);
  }

  col(id: string): Collection<BucketDoc> {
    const name = COLLECTION_OF[id[0]];
    if (!name || id[1] !== ':') throw new Error(`unknown bucket ${id}`);
    return this.cols.get(name)!;
  }

  /** Queues a change; the write happens in the background (see the class comment). */
  apply(id: string, op: BucketOp): void {
    const list = this.pending.get(id);
    if (list) list.push(op);
    else {
      this.pending.set(id, [op]);
      if (!this.running.has(id)) this.ready.push(id);
    }
    this.pump();
  }

  applyMany(changes: Map<string, BucketOp[]>): void {
    for (const [id, ops] of changes) for (const op of ops) this.apply(id, op);
  }

  private pump(): void {
    while (this.active < this.concurrency && this.ready.length) {
      const id = this.ready.shift()!;
      const ops = this.pending.get(id);
      if (!ops || this.running.has(id)) continue;
      this.pending.delete(id);
      this.running.add(id);
      this.active++;
      void this.write(id, ops).finally(() => {
        this.running.delete(id);
        this.active--;
        if (this.pending.has(id)) this.ready.push(id);
        this.pump();
        if (this.active === 0 && this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async write(id: string, ops: BucketOp[]): Promise<void> {
    const col = this.col(id);
    for (let attempt = 1; ; attempt++) {
      try {
        const current = (await col.findOne({ _id: id })) ?? { _id: id };
        await col.replaceOne({ _id: id }, { ...applyOps(current, ops), updatedAt: new Date() }, { upsert: true });
        return;
      } catch (err) {
        if (attempt >= 5) {
          // derived data: rebuildIndex() restores it from the orders
          this.logger.error({ err, bucket: id }, 'order index write failed; run the index rebuild');
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }

  /** Resolves when every queued write of this node is done (reads call it first). */
  drain(): Promise<void> {
    if (this.active === 0 && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async get(id: string): Promise<BucketDoc | null> {
    await this.drain();
    return this.col(id).findOne({ _id: id });
  }

  /** Reads buckets by _id, a few at a time (an `$in` would not be pushed down either). */
  async getMany(ids: string[], concurrency = 4): Promise<Map<string, BucketDoc>> {
    await this.drain();
    const out = new Map<string, BucketDoc>();
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const doc = await this.col(id).findOne({ _id: id });
        if (doc) out.set(id, doc);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    return out;
  }

  /** All buckets of one kind between two ids, in one query (one pass over that small collection). */
  async range(fromId: string, toId: string): Promise<Map<string, BucketDoc>> {
    await this.drain();
    const docs = await this.col(fromId).find({ _id: { $gte: fromId, $lte: toId } }).toArray();
    return new Map(docs.map((d) => [d._id, d]));
  }

  /** Replaces every bucket (the rebuild). */
  async replaceAll(docs: BucketDoc[]): Promise<void> {
    await this.drain();
    for (const col of this.cols.values()) await col.deleteMany({});
    const byCol = new Map<Collection<BucketDoc>, BucketDoc[]>();
    for (const d of docs) {
      const col = this.col(d._id);
      const list = byCol.get(col) ?? [];
      list.push({ ...d, updatedAt: new Date() });
      byCol.set(col, list);
    }
    for (const [col, list] of byCol) for (let i = 0; i < list.length; i += 500) await col.insertMany(list.slice(i, i + 500));
  }
}
