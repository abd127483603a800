/**
 * The open API, described from the route table itself: every route's zod schemas become OpenAPI
 * 3.1 parameters and request bodies (JSON Schema 2020-12, as 3.1 expects), its access rule becomes
 * the security requirement and the x-permission extension. No hand-written second copy exists.
 */
import { z, type ZodType } from 'zod';
import type { AnyRoute } from './route';
import { defineRoute } from './route';

type Json = Record<string, unknown>;

function jsonSchema(schema: ZodType, io: 'input' | 'output' = 'input'): Json {
  try {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as Json;
    return rest;
  } catch (err) {
    return { description: `schema not representable: ${(err as Error).message}` };
  }
}

/** A JSON Schema document made embeddable: its own `#/$defs/…` references inlined, `$schema`/`$id`/`$defs` dropped. */
function standalone(doc: Json): Json {
  const defs = (doc.$defs as Record<string, Json> | undefined) ?? {};
  const inline = (v: unknown, depth: number): unknown => {
    if (Array.isArray(v)) return v.map((x) => inline(x, depth));
    if (!v || typeof v !== 'object') return v;
    const o = v as Json;
    const ref = typeof o.$ref === 'string' ? /^#\/\$defs\/(.+)$/.exec(o.$ref) : null;
    if (ref && defs[ref[1]] && depth < 8) {
      const { $ref: _r, ...rest } = o;
      return { ...(inline(defs[ref[1]], depth + 1) as Json), ...rest };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, inline(x, depth)]));
  };
  const { $schema: _s, $id: _i, $defs: _d, ...rest } = doc;
  return inline(rest, 0) as Json;
}

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function operationId(route: AnyRoute, used: Set<string>): string {
  const words = route.path
    .replace(/^\/api\//, '')
    .split('/')
    .map((seg) => (seg.startsWith(':') ? `by-${seg.slice(1)}` : seg))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  let id = route.method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  for (let n = 2; used.has(id); n++) id = `${id}${n}`;
  used.add(id);
  return id;
}

function parameters(route: AnyRoute): Json[] {
  const out: Json[] = [];
  const pathNames = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  const pathProps = route.params ? ((jsonSchema(route.params).properties as Record<string, Json>) ?? {}) : {};
  for (const name of pathNames) out.push({ name, in: 'path', required: true, schema: pathProps[name] ?? { type: 'string' } });
  if (route.query) {
    const q = jsonSchema(route.query);
    const required = new Set((q.required as string[]) ?? []);
    for (const [name, schema] of Object.entries((q.properties as Record<string, Json>) ?? {})) {
      out.push({ name, in: 'query', required: required.has(name), schema, ...(schema.description ? { description: schema.description } : {}) });
    }
  }
  return out;
}

/** The success answer: the route's declared `response` schema, else what can be said about it. */
function success(route: AnyRoute, status: string): Json {
  if (status === '204') return { description: 'Done, no content' };
  const type = route.raw ? (route.produces ?? 'application/octet-stream') : 'application/json';
  if (route.response) return { description: 'Success', content: { [type]: { schema: jsonSchema(route.response, 'output') } } };
  if (route.raw) return { description: 'Success: the handler writes the answer itself (a file or a stream)', content: { [type]: { schema: {} } } };
  return { description: 'Success (JSON; its shape is not described yet)', content: { 'application/json': { schema: {} } } };
}

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: PROBLEM } } });

export function buildOpenApiDocument(routes: readonly AnyRoute[], info: { title?: string; version?: string; serverUrl?: string } = {}): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const used = new Set<string>();
  const tags = new Set<string>();
  for (const route of routes) {
    const p = toOpenApiPath(route.path);
    tags.add(route.tag);
    const status = String(route.status ?? 200);
    const responses: Record<string, Json> = { [status]: success(route, status) };
    if (route.body || route.query || route.params) responses['400'] = problem('Invalid input: `errors` names each failing field');
    if (route.access !== 'public') {
      responses['401'] = problem('Not signed in and no API key');
      responses['403'] = problem('Signed in, but without the needed permission (or a missing CSRF token for cookie sessions)');
    }
    if (route.path.includes(':')) responses['404'] = problem('Not found');
    if (route.rateLimit) responses['429'] = problem('Too many requests (see Retry-After)');
    responses['500'] = problem('Unexpected server error (the problem carries a requestId to quote)');
    responses.default = problem('Any other error: 409 conflict (stale version, duplicate), 413 body too large, 422 unprocessable, 503 while the database is unreachable');
    const permission = typeof route.access === 'object' ? route.access.permission : undefined;
    const op: Json = {
      operationId: operationId(route, used),
      summary: route.summary,
      tags: [route.tag],
      ...(permission ? { description: `Needs the permission \`${permission}\` (an API key needs it as a scope).`, 'x-permission': permission } : {}),
      ...(route.access === 'user' ? { description: 'Only a signed-in person (not an API key).' } : {}),
      'x-access': typeof route.access === 'object' ? 'permission' : route.access,
      security: route.access === 'public' ? [] : route.access === 'user' ? [{ session: [] }] : [{ session: [] }, { apiKey: [] }],
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.bodyJsonSchema ? standalone(route.bodyJsonSchema) : jsonSchema(route.body) } } } } : {}),
      responses,
    };
    paths[p] ??= {};
    paths[p][route.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Ordo API',
      version: info.version ?? '1',
      description:
        'The Ordo REST API. Authenticate with an API key (`Authorization: Bearer <key>`; the key’s scopes are permissions) or a session cookie (send `X-CSRF-Token` on writes). Errors are application/problem+json with `errors: [{path, message}]`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: info.serverUrl ?? '/' }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An Ordo API key; its scopes are permissions such as orders.write' },
        session: { type: 'apiKey', in: 'cookie', name: 'ordo_session' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            requestId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}

/** GET /api/openapi.json over the node's full route table (read lazily: the table is built after this route). */
export function openApiRoutes(deps: { routes: () => readonly AnyRoute[]; version?: string }): AnyRoute[] {
  let cached: Json | undefined;
  return [
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      tag: 'meta',
      summary: 'This API as an OpenAPI 3.1 document, generated from the schemas the server validates with',
      access: 'public',
      handler: () => (cached ??= buildOpenApiDocument(deps.routes(), { version: deps.version })),
    }),
  ];
}
