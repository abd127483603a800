/** Credentials: names, types, field names and where they are used. Values go in, never come out. */
import { z } from 'zod';
import { SECRET_NAME } from '../../../connectors';
import { defineRoute, type AnyRoute } from '../../http/route';
import { createCredentialBody, updateCredentialBody, type CredentialService } from '../../integration/credentials.service';

const nameParams = z.object({ name: z.string().regex(SECRET_NAME, 'must be a credential name') });

export function credentialRoutes(deps: { credentials: CredentialService }): AnyRoute[] {
  const { credentials } = deps;
  const access = { permission: 'credentials.manage' } as const;
  return [
    defineRoute({ method: 'get', path: '/api/credentials', tag: 'credentials', summary: 'List credentials (names, type, fields, used by; never values)', access, handler: () => credentials.list() }),
    defineRoute({
      method: 'post',
      path: '/api/credentials',
      tag: 'credentials',
      summary: 'Store a credential, encrypted at rest; reference it as {{secrets.NAME}}',
      access,
      body: createCredentialBody,
      status: 201,
      handler: ({ principal, body }) => credentials.create(principal, body),
    }),
    defineRoute({
      method: 'put',
      path: '/api/credentials/:name',
      tag: 'credentials',
      summary: 'Replace a credential’s values or description',
      access,
      params: nameParams,
      body: updateCredentialBody,
      handler: ({ principal, params, body }) => credentials.update(principal, params.name, body),
    }),
    defineRoute({ method: 'delete', path: '/api/credentials/:name', tag: 'credentials', summary: 'Delete a credential that nothing uses', access, params: nameParams, status: 204, handler: ({ principal, params }) => credentials.remove(principal, params.name) }),
  ];
}
