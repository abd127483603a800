/**
 * Four-eyes publishing. When the setting is on for a kind, publishing content needs the approval
 * of a second person with the same publish permission, for exactly that content (by hash): the
 * first publish attempt files a request, another person approves it, then the publish goes through
 * once (the approval is consumed atomically).
 */
import { Schema, Types, type Connection, type Model } from 'mongoose';
import { ConflictError, ForbiddenError, NotFoundError } from '../../workflows/model/errors';
import type { ApprovalDto, ApprovalKind } from '../contracts/settings';
import type { Permission } from '../contracts/permissions';
import { actorOf, type Principal } from '../auth/principal';
import type { SettingsService } from '../settings/settings.service';
import type { AuditService } from '../audit/audit.service';
import { claimOnce } from '../db/claim-once';

export const PUBLISH_PERMISSION: Record<ApprovalKind, Permission> = {
  workflow: 'workflows.deploy',
  ruleSet: 'rules.publish',
  template: 'templates.publish',
};

interface ApprovalDoc {
  _id: Types.ObjectId;
  kind: ApprovalKind;
  key: string;
  contentHash: string;
  summary: string;
  status: ApprovalDto['status'];
  requestedBy: { id: string | null; label: string };
  requestedAt: Date;
  decidedBy?: { id: string | null; label: string } | null;
  decidedAt?: Date | null;
  comment?: string | null;
}

const schema = new Schema<ApprovalDoc>(
  {
    kind: { type: String, required: true },
    key: { type: String, required: true },
    contentHash: { type: String, required: true },
    summary: { type: String, default: '' },
    status: { type: String, required: true, index: true },
    requestedBy: { id: String, label: String },
    requestedAt: { type: Date, required: true },
    decidedBy: { id: String, label: String },
    decidedAt: Date,
    comment: String,
  },
  { collection: 'approvals', versionKey: false },
);
schema.index({ kind: 1, key: 1, contentHash: 1, status: 1 });

const toDto = (d: ApprovalDoc): ApprovalDto => ({
  id: String(d._id),
  kind: d.kind,
  key: d.key,
  summary: d.summary,
  contentHash: d.contentHash,
  status: d.status,
  requestedBy: d.requestedBy.label,
  requestedAt: d.requestedAt.toISOString(),
  decidedBy: d.decidedBy?.label ?? null,
  decidedAt: d.decidedAt ? d.decidedAt.toISOString() : null,
  comment: d.comment ?? null,
});

export class ApprovalService {
  private readonly Approval: Model<ApprovalDoc>;

  constructor(
    private readonly connection: Connection,
    private readonly settings: SettingsService,
    private readonly audit: AuditService,
  ) {
    this.Approval = (connection.models.Approval as Model<ApprovalDoc>) ?? connection.model<ApprovalDoc>('Approval', schema);
  }

  /**
   * Call right before publishing. Returns when publishing may go ahead; otherwise files (or finds)
   * the pending request and throws 409 with its id.
   */
  async gatePublish(kind: ApprovalKind, key: string, contentHash: string, principal: Principal, summary = ''): Promise<void> {
    if (!(await this.settings.get()).fourEyes[kind]) return;
    for (const approved of await this.Approval.find({ kind, key, contentHash, status: 'approved' }).lean()) {
      // two concurrent publishes must not both spend one approval
      if (await claimOnce(this.connection, `approval-consume:${approved._id}`)) {
        await this.Approval.updateOne({ _id: approved._id }, { $set: { status: 'consumed' } });
        return;
      }
    }
    const existing = await this.Approval.findOne({ kind, key, contentHash, status: 'pending' }).lean();
    const pending =
      existing ??
      (await this.Approval.create({ kind, key, contentHash, summary: summary.slice(0, 500), status: 'pending', requestedBy: actorOf(principal), requestedAt: new Date() })).toObject();
    if (!existing) await this.audit.record({ principal, action: 'approval.request', target: { type: kind, id: key }, after: { contentHash, approvalId: String(pending._id) } });
    throw new ConflictError('Publishing this needs the approval of a second person; a request was filed', { approvalRequired: true, approvalId: String(pending._id) });
  }

  async decide(id: string, principal: Principal, decision: 'approved' | 'rejected', comment?: string): Promise<ApprovalDto> {
    if (!Types.ObjectId.isValid(id)) throw new NotFoundError('Approval request');
    const doc = await this.Approval.findById(id).lean();
    if (!doc) throw new NotFoundError('Approval request');
    if (principal.kind !== 'user') throw new ForbiddenError('Only a person can approve');
    if (!principal.permissions.has(PUBLISH_PERMISSION[doc.kind])) throw new ForbiddenError(`Approving needs the permission ${PUBLISH_PERMISSION[doc.kind]}`);
    if (doc.requestedBy.id === principal.userId) throw new ForbiddenError('The approval must come from a second person, not the requester');
    if (doc.status !== 'pending' || !(await claimOnce(this.connection, `approval-decision:${doc._id}`))) throw new ConflictError(`This request is already decided`);
    const updated = await this.Approval.findOneAndUpdate(
      { _id: doc._id },
      { $set: { status: decision, decidedBy: actorOf(principal), decidedAt: new Date(), comment: comment?.slice(0, 1000) ?? null } },
      { returnDocument: 'after' },
    ).lean();
    if (!updated) throw new NotFoundError('Approval request');
    await this.audit.record({ principal, action: `approval.${decision === 'approved' ? 'approve' : 'reject'}`, target: { type: doc.kind, id: doc.key }, after: { approvalId: id, contentHash: doc.contentHash, comment } });
    return toDto(updated);
  }

  async list(status?: ApprovalDto['status']): Promise<ApprovalDto[]> {
    const rows = await this.Approval.find(status ? { status } : {}).sort({ requestedAt: -1 }).limit(200).lean();
    return rows.map(toDto);
  }
}
