/**
 * Append-only audit trail. The application only ever inserts; there is no update or delete path.
 * Secrets never enter: callers pass already-masked before/after snapshots.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { actorOf, type Principal } from '../auth/principal';

export interface AuditEntry {
  at: Date;
  actor: { kind: string; id: string | null; label: string };
  action: string;
  target: { type: string; id: string; label?: string };
  before?: unknown;
  after?: unknown;
  ip?: string;
  outcome: 'ok' | 'denied' | 'failed';
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

  async record(entry: { principal: Principal; action: string; target: AuditEntry['target']; before?: unknown; after?: unknown; ip?: string; outcome?: AuditEntry['outcome'] }): Promise<void> {
    await this.Audit.create({
      at: new Date(),
      actor: actorOf(entry.principal),
      action: entry.action,
      target: entry.target,
      before: entry.before === undefined ? undefined : JSON.stringify(entry.before),
      after: entry.after === undefined ? undefined : JSON.stringify(entry.after),
      ip: entry.ip,
      outcome: entry.outcome ?? 'ok',
    });
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const q: Record<string, unknown> = {};
    // exact strings only: values are matched literally, never as operators or patterns
    if (filter.action) q.action = filter.action.endsWith('.*') ? { $in: await this.actionsWithPrefix(filter.action.slice(0, -1)) } : filter.action;
    if (filter.targetId) q['target.id'] = filter.targetId;
    if (filter.targetType) q['target.type'] = filter.targetType;
    if (filter.actor) q['actor.label'] = filter.actor;
    if (filter.outcome) q.outcome = filter.outcome;
    if (filter.from || filter.to) q.at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
    const rows = await this.Audit.find(q).sort({ at: -1 }).limit(Math.min(filter.limit ?? 100, 1000)).lean();
    return rows.map((r) => ({ ...r, _id: undefined, before: r.before ? JSON.parse(r.before as string) : undefined, after: r.after ? JSON.parse(r.after as string) : undefined }));
  }

  private async actionsWithPrefix(prefix: string): Promise<string[]> {
    const all = (await this.Audit.distinct('action')) as string[];
    return all.filter((a) => a.startsWith(prefix));
  }
}
