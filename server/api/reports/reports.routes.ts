import { z } from 'zod';
import { ValidationError } from '../../../workflows/model/errors';
import { defineRoute, type AnyRoute } from '../../http/route';
import type { OrdersModule } from '../../orders';
import { REPORT_CSV_KINDS } from '../../orders/reports.service';
import { scopedOrdersReport } from '../../orders/scoped-report';
import { scopeOf } from '../../auth/record-scope';
import type { Principal } from '../../auth/principal';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const rangeQuery = { from: day.optional(), to: day.optional() };

function range(q: { from?: string; to?: string }): { from: string; to: string } {
  const to = q.to ?? new Date().toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(to) - 29 * 86_400_000).toISOString().slice(0, 10);
  const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  if (Number.isNaN(span) || span < 0) throw new ValidationError('Invalid report range', [{ path: 'query.from', message: 'must not be after to' }]);
  if (span > 731) throw new ValidationError('Invalid report range', [{ path: 'query.from', message: 'the range may span at most two years' }]);
  return { from, to };
}

export function reportRoutes(deps: { orders: OrdersModule }): AnyRoute[] {
  const reports = deps.orders.reports;
  // a caller with a record scope gets the figures of the orders inside it only
  const report = (r: { from: string; to: string }, principal: Principal) => {
    const scope = scopeOf(principal);
    return scope ? scopedOrdersReport(deps.orders.collections.orders, scope, r.from, r.to) : reports.orders(r.from, r.to);
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/reports/orders',
      tag: 'reports',
      summary: 'Orders per day by channel and status, review outcomes, allocation per warehouse, cycle time per step, SLA breaches, top SKUs',
      access: { permission: 'reports.read' },
      query: z.strictObject(rangeQuery),
      handler: ({ query, principal }) => report(range(query), principal),
    }),
    defineRoute({
      method: 'get',
      path: '/api/reports/orders.csv',
      tag: 'reports',
      summary: 'One section of the orders report as CSV',
      access: { permission: 'reports.read' },
      query: z.strictObject({ ...rangeQuery, kind: z.enum(REPORT_CSV_KINDS).default('per-day') }),
      raw: true,
      async handler({ query, res, principal }) {
        const r = range(query);
        const data = await report(r, principal);
        res
          .type('text/csv')
          .setHeader('Content-Disposition', `attachment; filename="ordo-${query.kind}-${r.from}-${r.to}.csv"`)
          .send(reports.csv(data, query.kind));
      },
    }),
  ];
}
