/**
 * "Needs data entry": mail (or anything else) that could not be turned into an order with
 * confidence. The original is kept (the raw message as sent) so an operator can read it and enter
 * the order; entering it creates a normal order on the original channel.
 */
import crypto from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { ConflictError, NotFoundError, type FieldIssue } from '../../workflows/model/errors';
import type { Channel, OrderView } from '../../workflows/model/order';
import type { Principal } from '../auth/principal';
import type { OrdersService } from '../orders/orders.service';

export interface DraftDoc {
  _id: string;
  channel: Channel;
  status: 'open' | 'resolved' | 'discarded';
  source: { from?: string; subject?: string; messageId?: string; receivedAt: Date };
  /** why it needs a person */
  problems: FieldIssue[];
  /** what could be read, as JSON text (user data: keys are not stored as document keys) */
  extracted?: string;
  text?: string;
  attachments: Array<{ name: string; contentType: string; size: number }>;
  orderNumber?: string;
  resolvedBy?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface DraftView {
  id: string;
  channel: Channel;
  status: DraftDoc['status'];
  source: { from?: string; subject?: string; messageId?: string; receivedAt: string };
  problems: FieldIssue[];
  extracted?: unknown;
  text?: string;
  attachments: DraftDoc['attachments'];
  orderNumber?: string;
  createdAt: string;
}

/** Creates an operator task for a draft when a workflow runtime is wired. */
export interface DataEntryTasks {
  create(draft: DraftView): Promise<void>;
}

const view = (d: DraftDoc): DraftView => ({
  id: d._id,
  channel: d.channel,
  status: d.status,
  source: { ...d.source, receivedAt: new Date(d.source.receivedAt).toISOString() },
  problems: d.problems,
  extracted: d.extracted ? JSON.parse(d.extracted) : undefined,
  text: d.text,
  attachments: d.attachments,
  orderNumber: d.orderNumber,
  createdAt: new Date(d.createdAt).toISOString(),
});

export class DraftsService {
  private readonly drafts: Collection<DraftDoc>;
  private readonly raw: Collection<{ _id: string; raw: Buffer; contentType: string }>;
  tasks?: DataEntryTasks;

  constructor(
    connection: Connection,
    private readonly orders: OrdersService,
  ) {
    this.drafts = connection.collection('intakeDrafts') as unknown as Collection<DraftDoc>;
    this.raw = connection.collection('intakeRaw') as unknown as Collection<{ _id: string; raw: Buffer; contentType: string }>;
  }

  async create(d: Omit<DraftDoc, '_id' | 'status' | 'createdAt' | 'updatedAt'>, raw?: { data: Buffer; contentType: string }): Promise<DraftView> {
    const id = crypto.randomUUID();
    if (raw) await this.raw.insertOne({ _id: id, raw: raw.data, contentType: raw.contentType });
    const now = new Date();
    const doc: DraftDoc = { ...d, _id: id, status: 'open', createdAt: now, updatedAt: now };
    for (const k of Object.keys(doc) as Array<keyof DraftDoc>) if (doc[k] === undefined) delete doc[k];
    await this.drafts.insertOne(doc);
    const v = view(doc);
    await this.tasks?.create(v);
    return v;
  }

  async list(status: DraftDoc['status'] = 'open'): Promise<DraftView[]> {
    const rows = await this.drafts.find({ status }).sort({ createdAt: -1 }).limit(500).toArray();
    return rows.map(view);
  }

  async get(id: string): Promise<DraftView> {
    const d = await this.drafts.findOne({ _id: id });
    if (!d) throw new NotFoundError(`Draft ${id}`);
    return view(d);
  }

  async original(id: string): Promise<{ raw: Buffer; contentType: string }> {
    const r = await this.raw.findOne({ _id: id });
    if (!r) throw new NotFoundError(`Original of draft ${id}`);
    return { raw: Buffer.from(r.raw.buffer ?? r.raw), contentType: r.contentType };
  }

  /** An operator entered the order: it is created on the draft's channel, the draft is resolved. */
  async resolve(id: string, input: unknown, principal: Principal): Promise<OrderView> {
    const d = await this.drafts.findOne({ _id: id });
    if (!d) throw new NotFoundError(`Draft ${id}`);
    if (d.status !== 'open') throw new ConflictError(`Draft ${id} is already ${d.status}`);
    const withRef = input && typeof input === 'object' && !('externalId' in input) && d.source.messageId ? { ...(input as object), externalId: d.source.messageId.slice(0, 128) } : input;
    const result = await this.orders.intake(withRef, { principal, channel: d.channel, intakeNote: 'entered from a draft' });
    const label = principal.kind === 'user' ? principal.email : principal.kind;
    await this.drafts.updateOne({ _id: id }, { $set: { status: 'resolved', orderNumber: result.order.number, resolvedBy: label, updatedAt: new Date() } });
    return result.order;
  }

  async discard(id: string, principal: Principal): Promise<DraftView> {
    const d = await this.drafts.findOne({ _id: id });
    if (!d) throw new NotFoundError(`Draft ${id}`);
    if (d.status !== 'open') throw new ConflictError(`Draft ${id} is already ${d.status}`);
    const label = principal.kind === 'user' ? principal.email : principal.kind;
    await this.drafts.updateOne({ _id: id }, { $set: { status: 'discarded', resolvedBy: label, updatedAt: new Date() } });
    return view({ ...d, status: 'discarded' });
  }
}
