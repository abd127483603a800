/**
 * The capacity Ordo keeps itself for the scheduling board: orders per day per warehouse, and units
 * per day per production line for when no production connector answers. One document by _id (the
 * one filter FerretDB pushes down); the JSON text keeps warehouse codes with '.' or '$' storable.
 * Changes are audited with the figures before and after.
 */
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { capacitySettingsSchema, DEFAULT_CAPACITY, type CapacitySettings } from '../contracts/scheduling';

interface CapacityDoc {
  _id: string;
  value: string;
  updatedAt: Date;
  updatedBy: string;
}

const ID = 'capacity';

export class CapacityStore {
  private readonly col: Collection<CapacityDoc>;

  constructor(
    connection: Connection,
    private readonly audit: AuditService,
  ) {
    this.col = connection.collection('schedulingSettings') as unknown as Collection<CapacityDoc>;
  }

  async get(): Promise<CapacitySettings & { updatedAt?: string; updatedBy?: string }> {
    const doc = await this.col.findOne({ _id: ID });
    if (!doc) return DEFAULT_CAPACITY;
    const parsed = capacitySettingsSchema.safeParse(JSON.parse(doc.value));
    return parsed.success ? { ...parsed.data, updatedAt: new Date(doc.updatedAt).toISOString(), updatedBy: doc.updatedBy } : DEFAULT_CAPACITY;
  }

  /** Replaces the figures (validated by the route); last writer wins, both writes are in the audit log. */
  async update(principal: Principal, next: CapacitySettings, actor: string): Promise<CapacitySettings & { updatedAt: string; updatedBy: string }> {
    const { updatedAt: _a, updatedBy: _b, ...before } = await this.get();
    const now = new Date();
    await this.col.replaceOne({ _id: ID }, { value: JSON.stringify(next), updatedAt: now, updatedBy: actor }, { upsert: true });
    await this.audit.record({ principal, action: 'scheduling.capacity.update', target: { type: 'scheduling', id: ID, label: 'Scheduling capacity' }, before, after: next });
    return { ...next, updatedAt: now.toISOString(), updatedBy: actor };
  }
}
