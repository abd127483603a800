import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../../http/route';
import type { AuditService, AuditEntry } from '../../audit/audit.service';
import { visibleKeysOf, type FactsByKeys } from '../tasks/task-actor';

const auditQuery = z.strictObject({
  action: z.string().max(100).optional(),
  targetId: z.string().max(254).optional(),
  targetType: z.string().max(60).optional(),
  actor: z.string().max(254).optional(),
  outcome: z.enum(['ok', 'denied', 'failed']).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  format: z.enum(['json', 'csv']).default('json'),
});

const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  // quote, and defuse spreadsheet formulas
  return `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
};

export function toCsv(rows: AuditEntry[]): string {
  const header = ['at', 'actor', 'action', 'targetType', 'targetId', 'targetLabel', 'outcome', 'ip', 'before', 'after'];
  const lines = rows.map((r) => [new Date(r.at).toISOString(), r.actor.label, r.action, r.target.type, r.target.id, r.target.label, r.outcome, r.ip, r.before, r.after].map(csvCell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}

/** `facts`: the channel and warehouse behind business keys: a reader with a record scope sees only entries about orders inside it. */
export function auditRoutes(deps: { audit: AuditService; facts?: FactsByKeys }): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/audit',
      tag: 'audit',
      summary: 'Filter the audit trail (newest first); format=csv exports it. A reader with a record scope gets only entries about orders inside it',
      access: { permission: 'audit.read' },
      query: auditQuery,
      async handler({ query, res, principal }) {
        const filter = { ...query, from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined };
        const rows = await deps.audit.list(filter, visibleKeysOf(principal, deps.facts));
        if (query.format === 'csv') {
          res.type('text/csv').setHeader('Content-Disposition', 'attachment; filename="ordo-audit.csv"');
          res.send(toCsv(rows));
          return;
        }
        return rows;
      },
    }),
  ];
}
