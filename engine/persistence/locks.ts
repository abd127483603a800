/**
 * Mutual exclusion that holds on FerretDB 1.24: there, a conditional update or findOneAndUpdate is
 * NOT atomic (8 concurrent `updateOne({_id, rev: 0})` all matched in tests/features/engine-atomicity),
 * but inserting a duplicate _id always fails. So the right to advance a resource from a version is
 * a marker document `<resource>@<version>#<gen>`: whoever inserts it owns that version. A marker
 * carries an expiry; a crashed owner's marker is superseded by generation gen+1 (again by insert).
 * Works unchanged on MongoDB.
 */
import crypto from 'node:crypto';
import type { Connection, mongo } from 'mongoose';
import { isDuplicateKey, retrying } from './store';

export interface LockDoc {
  _id: string;
  resource: string;
  version: number;
  gen: number;
  owner: string;
  until: Date;
  createdAt: Date;
}

export interface LockHandle {
  id: string;
  resource: string;
  version: number;
  gen: number;
  owner: string;
  /** set by commit(): another node superseded this holder; its marker stays (see release()) */
  superseded?: boolean;
}

export type LockResult = { ok: true; lock: LockHandle } | { ok: false; heldUntil: Date; stale?: boolean };

export class Locks {
  readonly col: mongo.Collection<LockDoc>;

  constructor(
    connection: Connection,
    private readonly nodeId: string,
    private readonly clock: () => Date,
  ) {
    this.col = retrying(connection.db!.collection<LockDoc>('locks'));
  }

  init() {
    return Promise.all([this.col.createIndex({ resource: 1, version: 1, gen: -1 }), this.col.createIndex({ createdAt: 1 })]);
  }

  /**
   * Tries once: owns `resource` at `version`, or tells until when a live owner holds it. Before
   * superseding an expired marker, `stillCurrent` confirms the version was not advanced meanwhile
   * (a finished owner leaves its marker behind; see release()).
   */
  async acquire(resource: string, version: number, ttlMs: number, stillCurrent?: () => Promise<boolean>): Promise<LockResult> {
    const owner = `${this.nodeId}/${crypto.randomBytes(4).toString('hex')}`;
    let gen = 0;
    for (let tries = 0; tries < 16; tries++) {
      const now = this.clock();
      const id = `${resource}@${version}#${gen}`;
      try {
        await this.col.insertOne({ _id: id, resource, version, gen, owner, until: new Date(now.getTime() + ttlMs), createdAt: now });
        return { ok: true, lock: { id, resource, version, gen, owner } };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      // by _id, generation after generation: on FerretDB any other filter scans every marker (thousands under load)
      const taken = await this.col.findOne({ _id: id });
      if (!taken) continue; // given back meanwhile: try the same generation again
      if (taken.until.getTime() > now.getTime()) return { ok: false, heldUntil: taken.until };
      if (stillCurrent && !(await stillCurrent())) return { ok: false, heldUntil: now, stale: true };
      gen = taken.gen + 1;
    }
    return { ok: false, heldUntil: new Date(this.clock().getTime() + ttlMs) };
  }

  /**
   * The right to write the advance from `lock.version`, taken right before the write: generation
   * gen+1 of the same version, inserted by the holder. A holder whose lease expired while it was
   * stalled finds gen+1 taken (it is the lock of the node that superseded it): null, it must not
   * write. Once the holder has it, nobody supersedes the version for another lease. So the write
   * itself can filter by `_id` alone (the one filter FerretDB 1.24 pushes down to SQLite).
   * The markers of an advanced version stay until prune(): deleting them would let a stalled
   * holder of that version commit after all.
   */
  async commit(lock: LockHandle, ttlMs: number): Promise<LockHandle | null> {
    const gen = lock.gen + 1;
    const id = `${lock.resource}@${lock.version}#${gen}`;
    const now = this.clock();
    try {
      await this.col.insertOne({ _id: id, resource: lock.resource, version: lock.version, gen, owner: lock.owner, until: new Date(now.getTime() + ttlMs), createdAt: now });
      return { id, resource: lock.resource, version: lock.version, gen, owner: lock.owner };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      lock.superseded = true;
      return null;
    }
  }

  /** Extends the expiry while work goes on (only the owner writes its marker). */
  async renew(lock: LockHandle, ttlMs: number): Promise<void> {
    await this.col.updateOne({ _id: lock.id, owner: lock.owner }, { $set: { until: new Date(this.clock().getTime() + ttlMs) } });
  }

  /**
   * Gives the version back without having advanced it: another may try it now. A superseded
   * holder's marker stays (the holder that superseded it commits with the next generation).
   * By `_id` alone: a marker id (resource, version, generation) is inserted by one owner only,
   * and FerretDB would scan every marker for any other filter.
   */
  async release(lock: LockHandle): Promise<void> {
    if (!lock.superseded) await this.col.deleteOne({ _id: lock.id });
  }

  async prune(olderThanMs: number): Promise<number> {
    const res = await this.col.deleteMany({ createdAt: { $lt: new Date(this.clock().getTime() - olderThanMs) } });
    return res.deletedCount;
  }
}
