import type { Request } from 'express';
import { z } from 'zod';
import { PayloadTooLargeError, ValidationError } from '../../../workflows/model/errors';
import { orderFields } from '../../../workflows/print/fields';
import orderSchema from '../../../workflows/schemas/order.schema.json';
import { templateDetailSchema, templateListSchema, templateSchema, templateVersionListSchema, templateVersionSchema } from '../../http/openapi-schemas';
import { defineRoute, type AnyRoute } from '../../http/route';
import type { PrintService } from '../../printing/print.service';
import { MAX_ASSET_BYTES, paperSchema, projectDataSchema, templateKeySchema, type TemplateService } from '../../printing/template.service';

const keyParams = z.object({ key: templateKeySchema });
const versionParams = z.object({ key: templateKeySchema, version: z.coerce.number().int().min(1) });
const assetParams = z.object({ id: z.string().regex(/^[a-f0-9]{24}$/, 'must be a 24-character id') });

const createBody = z.strictObject({
  key: templateKeySchema,
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().max(500).optional(),
  paper: paperSchema.optional(),
  projectData: projectDataSchema.optional(),
});

const draftBody = z.strictObject({
  revision: z.number().int().min(1),
  name: z.string().trim().min(1).max(120).optional(),
  description: z.string().trim().max(500).optional(),
  paper: paperSchema.optional(),
  projectData: projectDataSchema.optional(),
});

const publishBody = z.strictObject({ revision: z.number().int().min(1).optional(), note: z.string().trim().max(500).optional() });

const previewBody = z.strictObject({
  /** 'draft' (default) or a published version */
  version: z.union([z.literal('draft'), z.number().int().min(1)]).optional(),
  /** an order id or number; without it the built-in sample order */
  orderId: z.string().trim().min(1).max(64).optional(),
});

const uploadQuery = z.object({ name: z.string().trim().min(1).max(200).regex(/^[^/\\]+$/, 'must be a file name, not a path') });

async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new PayloadTooLargeError(`Images may be at most ${limit / 1024 / 1024} MB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLargeError(`Images may be at most ${limit / 1024 / 1024} MB`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function templateRoutes(deps: { templates: TemplateService; print: PrintService }): AnyRoute[] {
  const { templates, print } = deps;
  return [
    // fixed paths first: /api/templates/:key would otherwise take them
    defineRoute({
      method: 'get',
      path: '/api/templates/fields',
      tag: 'templates',
      summary: 'Order fields a template can show (from the order schema plus computed fields)',
      access: { permission: 'templates.read' },
      handler: () => orderFields(orderSchema as Parameters<typeof orderFields>[0]),
    }),
    defineRoute({ method: 'get', path: '/api/templates/assets', tag: 'templates', summary: 'List uploaded images', access: { permission: 'templates.read' }, handler: () => templates.listAssets() }),
    defineRoute({
      method: 'post',
      path: '/api/templates/assets',
      tag: 'templates',
      summary: 'Upload an image (PNG, JPEG, GIF, WebP; at most 2 MB) as the raw request body; stored in the database',
      access: { permission: 'templates.edit' },
      query: uploadQuery,
      status: 201,
      handler: async ({ principal, query, req }) => {
        const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (!contentType) throw new ValidationError('Send the image with its Content-Type', [{ path: 'content-type', message: 'is required' }]);
        const data = await readBody(req, MAX_ASSET_BYTES);
        return templates.uploadAsset(principal, { name: query.name, contentType, data });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/templates/assets/:id',
      tag: 'templates',
      summary: 'An uploaded image (the designer canvas shows it; printing inlines it)',
      access: { permission: 'templates.read' },
      params: assetParams,
      raw: true,
      produces: 'image/*',
      handler: async ({ params, res }) => {
        const a = await templates.asset(params.id);
        res.setHeader('Content-Type', a.contentType);
        res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Content-Security-Policy', "default-src 'none'");
        res.end(a.data);
      },
    }),
    defineRoute({ method: 'get', path: '/api/templates', tag: 'templates', summary: 'List templates with their latest published version', access: { permission: 'templates.read' }, response: templateListSchema, handler: () => templates.list() }),
    defineRoute({
      method: 'post',
      path: '/api/templates',
      tag: 'templates',
      summary: 'Create a template draft (GrapesJS project data is sanitised and compiled)',
      access: { permission: 'templates.edit' },
      body: createBody,
      status: 201,
      response: templateSchema,
      handler: ({ principal, body }) => templates.create(principal, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/templates/:key',
      tag: 'templates',
      summary: 'A template: its draft and the list of published versions',
      access: { permission: 'templates.read' },
      params: keyParams,
      response: templateDetailSchema,
      handler: async ({ params }) => ({ draft: await templates.draft(params.key), versions: await templates.versions(params.key) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/templates/:key/draft',
      tag: 'templates',
      summary: 'Save the draft (send the revision you loaded; 409 when someone saved in between)',
      access: { permission: 'templates.edit' },
      params: keyParams,
      body: draftBody,
      response: templateSchema,
      handler: ({ principal, params, body }) => templates.saveDraft(principal, params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/templates/:key/publish',
      tag: 'templates',
      summary: 'Publish the draft as the next immutable version',
      access: { permission: 'templates.publish' },
      params: keyParams,
      body: publishBody,
      status: 201,
      response: templateVersionSchema,
      handler: ({ principal, params, body }) => templates.publish(principal, params.key, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/templates/:key/versions',
      tag: 'templates',
      summary: 'Published versions, newest first',
      access: { permission: 'templates.read' },
      params: keyParams,
      response: templateVersionListSchema,
      handler: ({ params }) => templates.versions(params.key),
    }),
    defineRoute({
      method: 'get',
      path: '/api/templates/:key/versions/:version',
      tag: 'templates',
      summary: 'One published version',
      access: { permission: 'templates.read' },
      params: versionParams,
      response: templateSchema,
      handler: ({ params }) => templates.version(params.key, params.version),
    }),
    defineRoute({
      method: 'post',
      path: '/api/templates/:key/preview',
      tag: 'templates',
      summary: 'Render the draft (or a version) for an order or the sample order; answers the PDF, warnings in X-Ordo-Warnings',
      access: { permission: 'templates.edit' },
      params: keyParams,
      body: previewBody,
      raw: true,
      produces: 'application/pdf',
      handler: async ({ params, body, res, principal }) => {
        const out = await print.preview(params.key, body, principal);
        res.setHeader('Content-Type', 'application/pdf');
        res.setHeader('Content-Disposition', `inline; filename="${params.key}-preview.pdf"`);
        res.setHeader('X-Ordo-Pages', String(out.pages));
        res.setHeader('X-Ordo-Warnings', encodeURIComponent(JSON.stringify(out.warnings)));
        res.setHeader('Cache-Control', 'no-store');
        res.end(out.pdf);
      },
    }),
  ];
}
