import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../../http/route';
import { GROUP_BY, orderFilterSchema } from '../../printing/order-source';
import { PRINT_JOB_STATUSES } from '../../printing/printing.model';
import type { PrintService } from '../../printing/print.service';
import { templateKeySchema } from '../../printing/template.service';

const jobParams = z.object({ id: z.string().regex(/^[a-f0-9]{24}$/, 'must be a 24-character id') });
const orderRef = z.string().trim().min(1).max(64);

const printOneBody = z.strictObject({ templateKey: templateKeySchema, version: z.number().int().min(1).optional() });

const batchBody = z
  .strictObject({
    templateKey: templateKeySchema,
    version: z.number().int().min(1).optional(),
    /** order ids or numbers, printed in this order */
    orderIds: z.array(orderRef).min(1).max(100_000).optional(),
    /** or a search; groupBy sorts the documents (e.g. by carrier) */
    filter: orderFilterSchema.optional(),
    groupBy: z.enum(GROUP_BY).optional(),
  })
  .refine((b) => Boolean(b.orderIds) !== Boolean(b.filter), { message: 'give either orderIds or filter', path: ['orderIds'] });

const jobsQuery = z.object({
  orderId: orderRef.optional(),
  templateKey: templateKeySchema.optional(),
  status: z.enum(PRINT_JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export function printRoutes(deps: { print: PrintService }): AnyRoute[] {
  const { print } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/print/orders/:orderId',
      tag: 'print',
      summary: 'Print one order’s document with a published template; the PDF is stored and the print recorded',
      access: { permission: 'print.run' },
      params: z.object({ orderId: orderRef }),
      body: printOneBody,
      status: 201,
      handler: ({ principal, params, body }) => print.printOrder(principal, params.orderId, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/print/batches',
      tag: 'print',
      summary: 'Start a batch print (one document per order in one PDF); poll the job or follow its progress events',
      access: { permission: 'print.run' },
      body: batchBody,
      status: 202,
      handler: ({ principal, body }) => print.startBatch(principal, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/print/jobs',
      tag: 'print',
      summary: 'Print history, newest first; ?orderId= gives one order’s history',
      access: { permission: 'orders.read' },
      query: jobsQuery,
      handler: ({ query, principal }) => print.jobs(query, principal),
    }),
    defineRoute({ method: 'get', path: '/api/print/jobs/:id', tag: 'print', summary: 'A print job with its progress, failures and warnings', access: { permission: 'orders.read' }, params: jobParams, handler: async ({ params, principal }) => {
        await print.assertJobVisible(principal, params.id);
        return print.job(params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/print/jobs/:id/cancel',
      tag: 'print',
      summary: 'Cancel a queued or running batch',
      access: { permission: 'print.run' },
      params: jobParams,
      handler: async ({ principal, params }) => {
        await print.assertJobVisible(principal, params.id);
        return print.cancel(principal, params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/print/jobs/:id/reprint',
      tag: 'print',
      summary: 'Reprint a job’s PDF; recorded as a new print with the reason',
      access: { permission: 'print.run' },
      params: jobParams,
      body: z.strictObject({ reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500) }),
      status: 201,
      handler: async ({ principal, params, body }) => {
        await print.assertJobVisible(principal, params.id);
        return print.reprint(principal, params.id, body.reason);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/print/jobs/:id/pdf',
      tag: 'print',
      summary: 'Download the PDF of a print job (again)',
      access: { permission: 'orders.read' },
      params: jobParams,
      raw: true,
      handler: async ({ params, res, req, principal }) => {
        await print.assertJobVisible(principal, params.id);
        const file = await print.openPdf(params.id);
        res.setHeader('Content-Type', 'application/pdf');
        res.setHeader('Content-Disposition', `${req.query.download === '1' ? 'attachment' : 'inline'}; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`);
        if (file.size) res.setHeader('Content-Length', String(file.size));
        res.setHeader('Cache-Control', 'private, no-store');
        await new Promise<void>((resolve, reject) => {
          file.stream.once('error', reject);
          res.once('finish', resolve);
          res.once('close', resolve);
          file.stream.pipe(res);
        });
      },
    }),
  ];
}
