/**
 * "Needs data entry": mail (or anything else) that could not be turned into an order with
 * confidence. The original is kept (the raw message as sent) so an operator can read it and enter
 * the order; entering it creates a normal order on the original channel.
 */
import crypto from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { ConflictError, NotFoundError, isAppError, type FieldIssue } from '../../workflows/model/errors';
import type { Channel, OrderView } from '../../workflows/model/order';
import type { Principal } from '../auth/principal';
import type { OrdersService } from '../orders/orders.service';

export interface DraftDoc {
  _id: string;
  channel: Channel;
  status: 'open' | 'resolved' | 'discarded' | 'rejected';
  source: { from?: string; subject?: string; messageId?: string; receivedAt: Date };
  /** why it needs a person */
  problems: FieldIssue[];
  /** what could be read, as JSON text (user data: keys are not stored as document keys) */
  extracted?: string;
  text?: string;
  attachments: Array<{ name: string; contentType: string; size: number }>;
  orderNumber?: string;
  resolvedBy?: string;
  /** why an operator rejected it (not an order) */
  rejectReason?: string;
  /** what the intake refused in the order an operator entered (the task comes back with these) */
  entryProblems?: FieldIssue[];
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
  resolvedBy?: string;
  rejectReason?: string;
  entryProblems?: FieldIssue[];
  createdAt: string;
}

/** The operators' "needs data entry" task of a draft, when a workflow runtime is wired (mail-data-entry.ts). */
export interface DataEntryTasks {
  /** starts the task for a new draft; safe to call again for the same draft */
  create(draft: DraftView): Promise<void>;
  /** the draft was settled outside its task (the drafts API): the task goes */
  cancel(draftId: string, reason: string): Promise<void>;
}

/** One id per Message-ID, so a mail delivered again (an SMTP retry after a 451) is the same draft. */
export function draftIdFor(messageId: string | undefined): string {
  if (!messageId) return crypto.randomUUID();
  const h = crypto.createHash('sha256').update(`mail-draft:${messageId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;

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
  resolvedBy: d.resolvedBy,
  rejectReason: d.rejectReason,
  entryProblems: d.entryProblems,
  createdAt: new Date(d.createdAt).toISOString(),
});
/** What the mail itself says unless the operator typed it: the Message-ID as external id, the sender as the customer's e-mail (as an automatically read mail gets). */
function withMailDefaults(input: unknown, d: DraftDoc): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  if (!('externalId' in out) && d.source.messageId) out.externalId = d.source.messageId.slice(0, 128);
  const customer = out.customer;
  if (d.source.from && customer && typeof customer === 'object' && !Array.isArray(customer) && !(customer as Record<string, unknown>).email) out.customer = { ...customer, email: d.source.from.toLowerCase() };
  return out;
}
const labelOf = (principal: Principal, fallback?: string) => fallback ?? (principal.kind === 'user' ? principal.email : principal.kind);

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

  /**
   * Stores a draft (the original first) and starts its data-entry task. The same Message-ID again
   * is the same draft: its task is started if the first delivery failed before that.
   */
  async create(d: Omit<DraftDoc, '_id' | 'status' | 'createdAt' | 'updatedAt'>, raw?: { data: Buffer; contentType: string }): Promise<DraftView> {
    const id = draftIdFor(d.source.messageId);
    if (raw) await this.raw.insertOne({ _id: id, raw: raw.data, contentType: raw.contentType }).catch((err) => (isDuplicateKey(err) ? undefined : Promise.reject(err)));
    const now = new Date();
    const doc: DraftDoc = { ...d, _id: id, status: 'open', createdAt: now, updatedAt: now };
    for (const k of Object.keys(doc) as Array<keyof DraftDoc>) if (doc[k] === undefined) delete doc[k];
    let v = view(doc);
    try {
      await this.drafts.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      v = await this.get(id);
    }
    if (v.status === 'open') await this.tasks?.create(v);
    return v;
  }

  /** Attachment `index` of the draft's original message (parsed again from the stored .eml). */
  async attachment(id: string, index: number): Promise<{ name: string; contentType: string; content: Buffer }> {
    const original = await this.original(id);
    const mail = await simpleParser(original.raw);
    const a = mail.attachments?.[index];
    if (!a) throw new NotFoundError(`Attachment ${index} of draft ${id}`);
    return { name: a.filename ?? `attachment-${index + 1}`, contentType: a.contentType || 'application/octet-stream', content: a.content };
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

  /**
   * An operator entered the order: it goes through the normal intake on the draft's channel with the
   * Message-ID as external id (entering it twice is one order), and the draft is resolved with it.
   * `fromTask`: its data-entry task is doing this (else that task is cancelled); a draft its task
   * already resolved answers the same order again.
   */
  async resolve(id: string, input: unknown, principal: Principal, opts: { fromTask?: boolean; actorLabel?: string } = {}): Promise<OrderView> {
    const d = await this.drafts.findOne({ _id: id });
    if (!d) throw new NotFoundError(`Draft ${id}`);
    if (opts.fromTask && d.status === 'resolved' && d.orderNumber) return this.orders.get(d.orderNumber);
    if (d.status !== 'open') throw new ConflictError(`Draft ${id} is already ${d.status}`);
    const withRef = withMailDefaults(input, d);
    let result;
    try {
      result = await this.orders.intake(withRef, { principal, channel: d.channel, actorLabel: opts.actorLabel, intakeNote: `entered from ${d.channel === 'email' ? `the e-mail${d.source.subject ? ` "${d.source.subject.slice(0, 80)}"` : ''}` : 'a draft'}` });
    } catch (err) {
      if (isAppError(err) && err.issues?.length) await this.drafts.updateOne({ _id: id }, { $set: { entryProblems: err.issues.slice(0, 200), updatedAt: new Date() } });
      throw err;
    }
    await this.drafts.updateOne({ _id: id }, { $set: { status: 'resolved', orderNumber: result.order.number, resolvedBy: labelOf(principal, opts.actorLabel), updatedAt: new Date() }, $unset: { entryProblems: '' } });
    if (!opts.fromTask) await this.tasks?.cancel(id, `order ${result.order.number} entered through the drafts API`);
    return result.order;
  }

  async discard(id: string, principal: Principal): Promise<DraftView> {
    const d = await this.drafts.findOne({ _id: id });
    if (!d) throw new NotFoundError(`Draft ${id}`);
    if (d.status !== 'open') throw new ConflictError(`Draft ${id} is already ${d.status}`);
    const set = { status: 'discarded' as const, resolvedBy: labelOf(principal), updatedAt: new Date() };
    await this.drafts.updateOne({ _id: id }, { $set: set });
    await this.tasks?.cancel(id, 'discarded through the drafts API');
    return view({ ...d, ...set });
  }

  /** An operator's data-entry task decided it is not an order (idempotent for a retried task). */
  async reject(id: string, reason: string | undefined, actorLabel: string): Promise<DraftView> {
    const d = await this.drafts.findOne({ _id: id });
    if (!d) throw new NotFoundError(`Draft ${id}`);
    if (d.status === 'rejected') return view(d);
    if (d.status !== 'open') throw new ConflictError(`Draft ${id} is already ${d.status}`);
    const set = { status: 'rejected' as const, rejectReason: reason?.slice(0, 500), resolvedBy: actorLabel, updatedAt: new Date() };
    if (!set.rejectReason) delete set.rejectReason;
    await this.drafts.updateOne({ _id: id }, { $set: set });
    return view({ ...d, ...set });
  }
}
