/**
 * Append-only audit trail. The application only ever inserts; there is no update or delete path.
 * Secrets never enter: callers pass already-masked before/after snapshots.
 *
 * Record scopes (server/auth/record-scope.ts): an entry names the orders it is about (`businessKeys`:
 * order numbers, or `mail:<draft>` for a mail's data entry; an entry about an order by its target needs
 * none). A reader with a record scope sees only entries whose orders are all inside it; entries about
 * no order (users, settings, connectors, templates…) are outside every non-empty scope, like any
 * record that is not an order.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { actorOf, type Principal } from '../auth/principal';
import type { VisibleKeys } from '../api/tasks/task-actor';

export interface AuditEntry {
  at: Date;
  actor: { kind: string; id: string | null; label: string };
  action: string;
  target: { type: string; id: string; label?: string };
  before?: unknown;
  after?: unknown;
  ip?: string;
  outcome: 'ok' | 'denied' | 'failed';
  /** the orders (business keys) the entry is about, when its target is not the order itself */
  businessKeys?: string[];
}

/** Most entries a scoped read looks at (newest first) before filtering by scope: non-_id filters scan on FerretDB. */
const SCOPED_SCAN = 5000;
/** An entry names at most this many orders; about more (a large batch), it names none, and scoped readers do not see it. */
export const MAX_ENTRY_KEYS = 1000;

/** The orders an entry is about: its own list, else its target when that is an order. */
export function entryKeys(e: Pick<AuditEntry, 'target' | 'businessKeys'>): string[] {
  if (e.businessKeys?.length) return e.businessKeys;
  return e.target.type === 'order' && e.target.id ? [e.target.id] : [];
}

const auditSchema = new Schema<AuditEntry>(
  {
    at: { type: Date, required: true, index: true },
    actor: { kind: String, id: { type: String, default: null }, label: String },
    action: { type: String, required: true, index: true },
    // before/after are stored as JSON strings: user data may hold keys FerretDB cannot store ('.' or '$')
    target: { type: { type: String }, id: String, label: String },
    before: { type: String },
    after: { type: String },
    ip: String,
    outcome: { type: String, enum: ['ok', 'denied', 'failed'], default: 'ok' },
    businessKeys: { type: [String], default: undefined },
  },
  { collection: 'auditLog', versionKey: false },
);

export interface AuditFilter {
  action?: string;
  targetId?: string;
  targetType?: string;
  actor?: string;
  outcome?: AuditEntry['outcome'];
  from?: Date;
  to?: Date;
  limit?: number;
}

export class AuditService {
  private readonly Audit: Model<AuditEntry>;

  constructor(connection: Connection) {
    this.Audit = (connection.models.AuditEntry as Model<AuditEntry>) ?? connection.model<AuditEntry>('AuditEntry', auditSchema);
  }

  /** `businessKeys`: the orders the entry is about (see the header); more than MAX_ENTRY_KEYS: none kept. */
  async record(entry: { principal: Principal; action: string; target: AuditEntry['target']; before?: unknown; after?: unknown; ip?: string; outcome?: AuditEntry['outcome']; businessKeys?: readonly (string | null | undefined)[] }): Promise<void> {
    const keys = [...new Set((entry.businessKeys ?? []).filter((k): k is string => typeof k === 'string' && k !== ''))];
    await this.Audit.create({
      at: new Date(),
      actor: actorOf(entry.principal),
      action: entry.action,
      target: entry.target,
      before: entry.before === undefined ? undefined : JSON.stringify(entry.before),
      after: entry.after === undefined ? undefined : JSON.stringify(entry.after),
      ip: entry.ip,
      outcome: entry.outcome ?? 'ok',
      ...(keys.length && keys.length <= MAX_ENTRY_KEYS ? { businessKeys: keys } : {}),
    });
  }

  /** `visible`: the reader's record scope (undefined: none); entries about orders outside it, or about no order, are left out. */
  async list(filter: AuditFilter = {}, visible?: VisibleKeys): Promise<AuditEntry[]> {
    const q: Record<string, unknown> = {};
    // exact strings only: values are matched literally, never as operators or patterns
    if (filter.action) q.action = filter.action.endsWith('.*') ? { $in: await this.actionsWithPrefix(filter.action.slice(0, -1)) } : filter.action;
    if (filter.targetId) q['target.id'] = filter.targetId;
    if (filter.targetType) q['target.type'] = filter.targetType;
    if (filter.actor) q['actor.label'] = filter.actor;
    if (filter.outcome) q.outcome = filter.outcome;
    if (filter.from || filter.to) q.at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
    const limit = Math.min(filter.limit ?? 100, 1000);
    const rows = visible ? await this.scopedRows(q, limit, visible) : await this.Audit.find(q).sort({ at: -1 }).limit(limit).lean();
    return rows.map((r) => ({ ...r, _id: undefined, before: r.before ? JSON.parse(r.before as string) : undefined, after: r.after ? JSON.parse(r.after as string) : undefined }));
  }

  /** The newest `limit` entries whose orders are all visible, looking at no more than SCOPED_SCAN entries. */
  private async scopedRows(q: Record<string, unknown>, limit: number, visible: VisibleKeys): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    const page = 200;
    for (let skip = 0; skip < SCOPED_SCAN && out.length < limit; skip += page) {
      const rows = await this.Audit.find(q).sort({ at: -1 }).skip(skip).limit(page).lean<AuditEntry[]>();
      const seen = await visible([...new Set(rows.flatMap(entryKeys))]);
      for (const r of rows) {
        const keys = entryKeys(r);
        if (keys.length && keys.every((k) => seen.has(k)) && out.length < limit) out.push(r);
      }
      if (rows.length < page) break;
    }
    return out;
  }

  private async actionsWithPrefix(prefix: string): Promise<string[]> {
    const all = (await this.Audit.distinct('action')) as string[];
    return all.filter((a) => a.startsWith(prefix));
  }
}
