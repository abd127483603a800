import { createApiKeyBody, createUserBody, updateUserBody } from '../../contracts/auth';
import { defineRoute, type AnyRoute } from '../../http/route';
import { idParams } from '../../http/params';
import type { AuthService } from '../../auth/auth.service';


export function userRoutes(deps: { auth: AuthService }): AnyRoute[] {
  const { auth } = deps;
  return [
    defineRoute({ method: 'get', path: '/api/users', tag: 'users', summary: 'List users', access: { permission: 'users.read' }, handler: () => auth.listUsers() }),
    defineRoute({
      method: 'post',
      path: '/api/users',
      tag: 'users',
      summary: 'Create a user with a role',
      access: { permission: 'users.manage' },
      body: createUserBody,
      status: 201,
      handler: ({ principal, body }) => auth.createUser(principal, body),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/users/:id',
      tag: 'users',
      summary: 'Change a user’s name, role, password or language, or disable them (ends their sessions)',
      access: { permission: 'users.manage' },
      params: idParams,
      body: updateUserBody,
      handler: ({ principal, params, body }) => auth.updateUser(principal, params.id, body),
    }),
    defineRoute({ method: 'get', path: '/api/api-keys', tag: 'api-keys', summary: 'List API keys (never their secrets)', access: { permission: 'apiKeys.manage' }, handler: () => auth.listApiKeys() }),
    defineRoute({
      method: 'post',
      path: '/api/api-keys',
      tag: 'api-keys',
      summary: 'Create a scoped API key; the secret is shown once in this answer',
      access: { permission: 'apiKeys.manage' },
      body: createApiKeyBody,
      status: 201,
      handler: ({ principal, body }) => auth.createApiKey(principal, body),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/api-keys/:id',
      tag: 'api-keys',
      summary: 'Revoke an API key',
      access: { permission: 'apiKeys.manage' },
      params: idParams,
      handler: ({ principal, params }) => auth.revokeApiKey(principal, params.id),
    }),
  ];
}
