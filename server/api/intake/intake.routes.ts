import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../../http/route';
import { ANONYMOUS, type Principal } from '../../auth/principal';
import { assertInScope, inScope, orderFacts, scopeOf } from '../../auth/record-scope';
import { ForbiddenError } from '../../../workflows/model/errors';
import type { OrdersModule } from '../../orders';
import type { IntakeModule } from '../../intake';
import { IMPORT_FIELDS } from '../../intake/tabular';
import { IMPORT_FACTS, type ImportView } from '../../intake/import.service';
import { readUpload } from '../../intake/upload';

const uuidParams = z.object({ id: z.uuid('must be an id from this server') });
const mappingBody = z.strictObject({
  mapping: z.partialRecord(z.enum(IMPORT_FIELDS), z.string().trim().min(1).max(200)),
});
const idempotencyKey = z.string().regex(/^[\x21-\x7E]{1,200}$/);

export function intakeRoutes(deps: { orders: OrdersModule; intake: IntakeModule; publicPerMinute: number; importMaxBytes: number }): AnyRoute[] {
  const { intake } = deps;
  // a draft is an order of its channel not allocated yet: a record scope applies to it as to orders (404 outside)
  const draftVisible = async (principal: Principal, id: string) => {
    const scope = scopeOf(principal);
    if (scope) assertInScope(scope, { channel: (await intake.drafts.get(id)).channel, warehouse: null }, `Draft ${id}`);
  };
  // an import is a batch of orders of the import channel, not allocated yet: a record scope sees (and may
  // start) imports only when it admits such orders; else 404 (403 for an upload: nothing to hide yet)
  const importVisible = (principal: Principal, id: string) => assertInScope(scopeOf(principal), IMPORT_FACTS, `Import ${id}`);
  /** The order numbers of an import a scoped caller may see (allocation may have sent some out of the scope). */
  const importView = async (principal: Principal, view: ImportView): Promise<ImportView> => {
    const scope = scopeOf(principal);
    if (!scope || !view.numbers.length) return view;
    const docs = await deps.orders.collections.orders.find({ _id: { $in: view.numbers } }, { projection: { channel: 1, allocation: 1 } }).toArray();
    const shown = new Set(docs.filter((d) => inScope(scope, orderFacts(d))).map((d) => String(d._id)));
    return { ...view, numbers: view.numbers.filter((n) => shown.has(n)) };
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/intake/web-orders',
      tag: 'intake',
      summary: 'Public web order form: no login, rate limited; a filled honeypot field "website" is accepted and dropped',
      access: 'public',
      rateLimit: { bucket: 'web-order', windowMs: 60_000, max: deps.publicPerMinute },
      body: z.unknown(),
      raw: true,
      async handler({ body, req, res }) {
        const form = (body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : body) as Record<string, unknown>;
        const honeypot = form && typeof form === 'object' ? form.website : undefined;
        if (form && typeof form === 'object') delete form.website;
        if (typeof honeypot === 'string' && honeypot.trim() !== '') {
          req.log?.info({ ip: req.ip }, 'web order dropped: honeypot field filled');
          res.status(202).json({ received: true });
          return;
        }
        const header = req.get('idempotency-key');
        const key = header !== undefined && idempotencyKey.safeParse(header).success ? header : undefined;
        const email = (form?.customer as { email?: unknown } | undefined)?.email;
        const result = await deps.orders.orders.intake(form, { principal: ANONYMOUS, channel: 'web', actorLabel: `web${typeof email === 'string' ? `:${email.trim().toLowerCase()}` : ''}`, idempotencyKey: key });
        const o = result.order;
        res.status(result.status).json({ number: o.number, status: o.status, currency: o.currency, totals: o.totals, lines: o.lines, trackingPath: `/track/${o.number}` });
      },
    }),
    // ---- drafts: mail that needs data entry
    defineRoute({
      method: 'get',
      path: '/api/intake/drafts',
      tag: 'intake',
      summary: 'Incoming orders that need data entry (open by default)',
      access: { permission: 'orders.read' },
      query: z.strictObject({ status: z.enum(['open', 'resolved', 'discarded', 'rejected']).default('open') }),
      handler: async ({ query, principal }) => (await intake.drafts.list(query.status)).filter((d) => inScope(scopeOf(principal), { channel: d.channel, warehouse: null })),
    }),
    defineRoute({
      method: 'get',
      path: '/api/intake/drafts/:id',
      tag: 'intake',
      summary: 'One draft: what could be read, why it needs a person, the message text',
      access: { permission: 'orders.read' },
      params: uuidParams,
      handler: async ({ params, principal }) => {
        await draftVisible(principal, params.id);
        return intake.drafts.get(params.id);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/intake/drafts/:id/original',
      tag: 'intake',
      summary: 'The original message of a draft (.eml)',
      access: { permission: 'orders.read' },
      params: uuidParams,
      raw: true,
      async handler({ params, res, principal }) {
        await draftVisible(principal, params.id);
        const o = await intake.drafts.original(params.id);
        res.type(o.contentType).setHeader('Content-Disposition', `attachment; filename="draft-${params.id}.eml"`).send(o.raw);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/intake/drafts/:id/attachments/:index',
      tag: 'intake',
      summary: 'One attachment of a draft’s original message, as a download',
      access: { permission: 'orders.read' },
      params: z.object({ id: z.uuid('must be an id from this server'), index: z.coerce.number().int().min(0).max(99) }),
      raw: true,
      async handler({ params, res, principal }) {
        await draftVisible(principal, params.id);
        const a = await intake.drafts.attachment(params.id, params.index);
        // always a download (never rendered in the designer's origin), with a header-safe name
        const ascii = a.name.replace(/[^\x20-\x7E]|["\\]/g, '_');
        res
          .type('application/octet-stream')
          .setHeader('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(a.name)}`)
          .setHeader('X-Content-Type-Options', 'nosniff')
          .send(a.content);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/intake/drafts/:id/order',
      tag: 'intake',
      summary: 'Enter the order of a draft; it is created on the draft’s channel and the draft is resolved',
      access: { permission: 'orders.write' },
      params: uuidParams,
      body: z.unknown(),
      status: 201,
      handler: async ({ params, body, principal }) => {
        await draftVisible(principal, params.id);
        return intake.drafts.resolve(params.id, body, principal);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/intake/drafts/:id/discard',
      tag: 'intake',
      summary: 'Discard a draft (not an order)',
      access: { permission: 'orders.write' },
      params: uuidParams,
      handler: async ({ params, principal }) => {
        await draftVisible(principal, params.id);
        return intake.drafts.discard(params.id, principal);
      },
    }),
    // ---- file import
    defineRoute({
      method: 'post',
      path: '/api/intake/imports',
      tag: 'intake',
      summary: 'Upload a CSV or XLSX file (raw body); answers the columns, a sample and a suggested mapping',
      access: { permission: 'orders.import' },
      query: z.strictObject({ filename: z.string().trim().min(1).max(200).default('upload') }),
      status: 201,
      async handler({ req, query, principal }) {
        if (!inScope(scopeOf(principal), IMPORT_FACTS)) throw new ForbiddenError('Your record scope does not include imported orders (channel import, not allocated yet)');
        const buf = await readUpload(req, deps.importMaxBytes);
        return intake.imports.upload(buf, query.filename, principal);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/intake/imports/:id',
      tag: 'intake',
      summary: 'An import: status, row errors, progress of its commit',
      access: { permission: 'orders.import' },
      params: uuidParams,
      handler: async ({ params, principal }) => {
        importVisible(principal, params.id);
        return importView(principal, await intake.imports.get(params.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/intake/imports/:id/mapping',
      tag: 'intake',
      summary: 'Map columns to order fields and check every row (errors name row and column; nothing is created)',
      access: { permission: 'orders.import' },
      params: uuidParams,
      body: mappingBody,
      handler: ({ params, body, principal }) => {
        importVisible(principal, params.id);
        return intake.imports.map(params.id, body.mapping);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/intake/imports/:id/commit',
      tag: 'intake',
      summary: 'Create all orders of a checked file, all or nothing; poll the import for progress',
      access: { permission: 'orders.import' },
      params: uuidParams,
      status: 202,
      handler: ({ params, principal }) => {
        importVisible(principal, params.id);
        return intake.imports.commit(params.id, principal);
      },
    }),
  ];
}

