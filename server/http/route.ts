/**
 * Routes are declared, then mounted: a descriptor (method, path, access, zod schemas) plus one
 * small handler. The route table is data, so the permission matrix test and the OpenAPI document
 * are generated from it, and a route without a declared access rule cannot exist.
 */
import type { Request, Response, Router, NextFunction } from 'express';
import type { z, ZodType } from 'zod';
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../../workflows/model/errors';
import { toFieldIssues } from '../../workflows/model/zod-issues';
import type { Permission } from '../contracts/permissions';
import type { Principal } from '../auth/principal';
import { RateLimiter, type RateLimitRule } from './rate-limit';

/**
 * public: anyone; authenticated: any signed-in user or API key; user: a signed-in person only (not
 * an API key); otherwise one named permission.
 */
export type Access = 'public' | 'authenticated' | 'user' | { permission: Permission };

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: Principal;
  req: Request;
  res: Response;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** express path, e.g. /api/users/:id */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  /** For a body checked in the handler against a JSON Schema (ajv, user-authored content): that schema, for the OpenAPI document. */
  bodyJsonSchema?: Record<string, unknown>;
  /** Shape of a successful answer, for the OpenAPI document (documentation only: not enforced at run time). */
  response?: ZodType;
  /** Media type of a raw answer (files, streams) for the OpenAPI document, e.g. application/pdf. */
  produces?: string;
  /** HTTP status of a successful answer (default 200; 204 sends no body). */
  status?: number;
  /** The handler writes the response itself (downloads, streams). */
  raw?: boolean;
  /** Per-client request limit (by IP for anonymous callers, else by caller). */
  rateLimit?: RateLimitRule;
  handler(ctx: RouteContext<B, Q, P>): unknown | Promise<unknown>;
}

export type AnyRoute = RouteSpec<any, any, any>;

/** Keeps the generic inference of each route while the table stays one array. */
export function defineRoute<BS extends ZodType | undefined = undefined, QS extends ZodType | undefined = undefined, PS extends ZodType | undefined = undefined>(
  spec: Omit<RouteSpec, 'body' | 'query' | 'params' | 'handler'> & {
    body?: BS;
    query?: QS;
    params?: PS;
    handler(
      ctx: RouteContext<BS extends ZodType ? z.output<BS> : undefined, QS extends ZodType ? z.output<QS> : undefined, PS extends ZodType ? z.output<PS> : Record<string, string>>,
    ): unknown | Promise<unknown>;
  },
): AnyRoute {
  return spec as AnyRoute;
}

const UNSAFE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/** The guard every route passes: 401 when nobody is known, 403 when the caller lacks the right. */
export function authorize(route: Pick<RouteSpec, 'access' | 'method'>, principal: Principal, csrfHeader: string | undefined): void {
  if (route.access === 'public') return;
  if (principal.kind === 'anonymous') throw new UnauthenticatedError();
  if (principal.kind === 'user' && UNSAFE_METHODS.has(route.method) && csrfHeader !== principal.csrfToken) {
    throw new ForbiddenError('Missing or wrong CSRF token (send the X-CSRF-Token header from /api/auth/me)');
  }
  if (route.access === 'authenticated') return;
  if (route.access === 'user') {
    if (principal.kind !== 'user') throw new ForbiddenError('Only a signed-in person can do this, not an API key');
    return;
  }
  if (!principal.permissions.has(route.access.permission)) {
    throw new ForbiddenError(`This action needs the permission ${route.access.permission}`);
  }
}

function parsePart<T>(schema: ZodType<T> | undefined, value: unknown, part: string): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ValidationError(`The request ${part} is invalid`, toFieldIssues(result.error.issues, part === 'body' ? '' : part));
  }
  return result.data;
}

const callerKey = (req: Request): string => {
  const p = req.principal;
  return p.kind === 'user' ? `u:${p.userId}` : p.kind === 'apiKey' ? `k:${p.keyId}` : `ip:${req.ip}`;
};

export function mountRoutes(router: Router, routes: readonly AnyRoute[], limiter = new RateLimiter()): void {
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const principal = req.principal;
        if (route.rateLimit) limiter.hit(route.rateLimit, callerKey(req));
        authorize(route, principal, req.get('x-csrf-token'));
        const ctx: RouteContext<unknown, unknown, unknown> = {
          body: parsePart(route.body, route.body ? (req.body ?? {}) : undefined, 'body'),
          query: parsePart(route.query, { ...req.query }, 'query'),
          params: parsePart(route.params, { ...req.params }, 'path'),
          principal,
          req,
          res,
        };
        const result = await route.handler(ctx);
        if (route.raw || res.headersSent) return;
        const status = route.status ?? 200;
        if (status === 204 || result === undefined) res.status(status === 200 ? 204 : status).end();
        else res.status(status).json(result);
      } catch (err) {
        next(err);
      }
    });
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    principal: Principal;
    id: string | number | object;
  }
}
