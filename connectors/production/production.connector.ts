/** Production against the reference ERP API (connectors/reference-erp/API.md): capacity and work orders. */
import { z } from 'zod';
import { callJson, defineConnector, defineOperation } from '../sdk';

const settings = z.object({ baseUrl: z.url(), apiKey: z.string().min(1) });
type Settings = z.output<typeof settings>;
const auth = (s: Settings) => ({ 'x-api-key': s.apiKey });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

export const productionConnector = defineConnector({
  id: 'production',
  version: 1,
  name: 'Production',
  description: 'Capacity per line and day, work orders for made-to-order lines',
  settings,
  operations: {
    getCapacity: defineOperation({
      name: 'Get capacity',
      description: 'Capacity, booked and available units per line and day',
      input: z.object({ from: isoDate.describe('First day'), days: z.number().int().min(1).max(90).default(7).describe('Number of days'), line: z.string().optional().describe('Only this line') }),
      output: z.object({ days: z.array(z.object({ line: z.string(), date: z.string(), capacity: z.number(), booked: z.number(), available: z.number() })), totalAvailable: z.number() }),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        const res = await callJson<{ days: Array<{ line: string; date: string; capacity: number; booked: number; available: number }> }>(ctx, {
          method: 'GET',
          url: `${s.baseUrl}/production/capacity`,
          query: { from: input.from, days: input.days, line: input.line },
          headers: auth(s),
        });
        return { days: res.days, totalAvailable: res.days.reduce((sum, d) => sum + d.available, 0) };
      },
    }),
    capacity: defineOperation({
      name: 'Free capacity (rules fact)',
      description: 'Units each line can still produce per day',
      input: z.object({ from: isoDate, days: z.number().int().min(1).max(90) }),
      output: z.array(z.object({ line: z.string(), date: z.string(), capacity: z.number() })),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        const res = await callJson<{ days: Array<{ line: string; date: string; available: number }> }>(ctx, { method: 'GET', url: `${s.baseUrl}/production/capacity`, query: { from: input.from, days: input.days }, headers: auth(s) });
        return res.days.map((d) => ({ line: d.line, date: d.date, capacity: d.available }));
      },
    }),
    createWorkOrder: defineOperation({
      name: 'Create work order',
      description: 'Plans production before the due date; throws BPMN error NO_CAPACITY when no line has room',
      input: z.object({ orderId: z.string().min(1), sku: z.string().trim().toUpperCase().min(2), quantity: z.number().int().positive(), dueDate: isoDate, line: z.string().optional() }),
      output: z.object({ workOrderId: z.string(), line: z.string(), scheduledDate: z.string(), status: z.string() }),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        const wo = await callJson<{ workOrderId: string; line: string; scheduledDate: string; status: string }>(ctx, {
          method: 'POST',
          url: `${s.baseUrl}/production/work-orders`,
          headers: auth(s),
          body: input,
          idempotencyHeader: 'Idempotency-Key',
          businessErrors: ['NO_CAPACITY'],
        });
        return { workOrderId: wo.workOrderId, line: wo.line, scheduledDate: wo.scheduledDate, status: wo.status };
      },
    }),
  },
});
