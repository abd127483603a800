/** System settings (one document), edited by admins. */
import { z } from 'zod';

export const APPROVAL_KINDS = ['workflow', 'ruleSet', 'template'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export const settingsSchema = z.strictObject({
  /** four-eyes: publishing needs a second person's approval */
  fourEyes: z.strictObject({
    workflow: z.boolean().default(false),
    ruleSet: z.boolean().default(false),
    template: z.boolean().default(false),
  }),
});
export type Settings = z.infer<typeof settingsSchema>;
export const DEFAULT_SETTINGS: Settings = { fourEyes: { workflow: false, ruleSet: false, template: false } };

export interface ApprovalDto {
  id: string;
  kind: ApprovalKind;
  key: string;
  summary: string;
  contentHash: string;
  status: 'pending' | 'approved' | 'rejected' | 'consumed';
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
}
