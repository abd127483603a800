import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../../http/route';
import { rawBodyOf } from '../../integration/raw-body';
import { createStoreBody, updateStoreBody, type StoresService } from '../../intake/stores.service';

const keyParams = z.object({ key: z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'is not a store key') });

export function storeRoutes(deps: { stores: StoresService }): AnyRoute[] {
  const { stores } = deps;
  return [
    defineRoute({ method: 'get', path: '/api/intake/stores', tag: 'intake', summary: 'Store webhooks (never their secrets)', access: { permission: 'connectors.read' }, handler: () => stores.list() }),
    defineRoute({
      method: 'post',
      path: '/api/intake/stores',
      tag: 'intake',
      summary: 'Add a store: its webhook endpoint, HMAC signature scheme and JSONata mapping; the secret is shown once',
      access: { permission: 'connectors.manage' },
      body: createStoreBody,
      status: 201,
      handler: ({ principal, body }) => stores.create(principal, body),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/intake/stores/:key',
      tag: 'intake',
      summary: 'Change a store’s name or mapping, or switch it off',
      access: { permission: 'connectors.manage' },
      params: keyParams,
      body: updateStoreBody,
      handler: ({ principal, params, body }) => stores.update(principal, params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/intake/stores/:key/test',
      tag: 'intake',
      summary: 'Run a store’s mapping on a sample payload and validate the result (nothing is stored)',
      access: { permission: 'connectors.manage' },
      params: keyParams,
      body: z.strictObject({ payload: z.unknown() }),
      handler: ({ params, body }) => stores.test(params.key, body.payload),
    }),
    defineRoute({
      method: 'post',
      path: '/api/hooks/stores/:key/orders',
      tag: 'intake',
      summary: 'A store’s order webhook: HMAC-SHA256 over the raw body (401 and nothing stored when wrong), JSONata mapping to the order schema',
      access: 'public',
      params: keyParams,
      raw: true,
      async handler({ params, req, res }) {
        const result = await stores.receive(params.key, rawBodyOf(req), req.headers);
        res.status(result.status).json({ number: result.order.number, status: result.order.status, replayed: result.replayed });
      },
    }),
  ];
}
