import { z } from 'zod';
import { settingsSchema } from '../../contracts/settings';
import { defineRoute, type AnyRoute } from '../../http/route';
import { idParams } from '../../http/params';
import type { SettingsService } from '../../settings/settings.service';
import type { ApprovalService } from '../../approvals/approval.service';


export function settingsRoutes(deps: { settings: SettingsService; approvals: ApprovalService }): AnyRoute[] {
  return [
    defineRoute({ method: 'get', path: '/api/settings', tag: 'settings', summary: 'System settings', access: 'user', handler: () => deps.settings.get() }),
    defineRoute({
      method: 'put',
      path: '/api/settings',
      tag: 'settings',
      summary: 'Change system settings (four-eyes publishing …)',
      access: { permission: 'settings.manage' },
      body: settingsSchema,
      handler: ({ principal, body }) => deps.settings.update(principal, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/approvals',
      tag: 'approvals',
      summary: 'Four-eyes approval requests',
      access: 'user',
      query: z.strictObject({ status: z.enum(['pending', 'approved', 'rejected', 'consumed']).optional() }),
      handler: ({ query }) => deps.approvals.list(query.status),
    }),
    defineRoute({
      method: 'post',
      path: '/api/approvals/:id/approve',
      tag: 'approvals',
      summary: 'Approve a publish request (a second person with the publish permission)',
      access: 'user',
      params: idParams,
      body: z.strictObject({ comment: z.string().max(1000).optional() }),
      handler: ({ principal, params, body }) => deps.approvals.decide(params.id, principal, 'approved', body.comment),
    }),
    defineRoute({
      method: 'post',
      path: '/api/approvals/:id/reject',
      tag: 'approvals',
      summary: 'Reject a publish request',
      access: 'user',
      params: idParams,
      body: z.strictObject({ comment: z.string().max(1000).optional() }),
      handler: ({ principal, params, body }) => deps.approvals.decide(params.id, principal, 'rejected', body.comment),
    }),
  ];
}
