/** The one error handler: every failure leaves as application/problem+json, internals never leak. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  AppError,
  ConflictError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  ValidationError,
  isAppError,
} from '../../workflows/model/errors';
import { isDatabaseUnavailable } from '../db/unavailable';
import type { Logger } from '../infra/logger';

/** Maps library errors to Ordo errors; anything unknown is an InternalError. */
export function normalizeError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { name?: string; type?: string; status?: number; code?: number; message?: string; keyValue?: Record<string, unknown> };
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError();
  if (e?.type === 'entity.parse.failed') return new ValidationError('The request body is not valid JSON', [{ path: '(body)', message: 'malformed JSON' }]);
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new ValidationError('Unsupported body encoding');
  if (isDatabaseUnavailable(err)) return new ServiceUnavailableError('The database is not reachable; try again shortly', { cause: err });
  if (e?.code === 11000) return new ConflictError(`Duplicate value for ${Object.keys(e.keyValue ?? {}).join(', ') || 'a unique field'}`);
  return new InternalError(e?.message ?? String(err), { cause: err });
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = normalizeError(err);
    const requestId = String(req.id ?? '');
    // a 503 is "not now" (database down, node stopping): one warning per request, not an error report each
    if (appError.status === 503) logger.warn({ err: (err as Error)?.message, requestId, path: req.path }, appError.message);
    else if (appError.status >= 500) logger.error({ err, requestId, path: req.path }, appError.message);
    else logger.debug({ requestId, status: appError.status, path: req.path }, appError.message);
    if (res.headersSent) return;
    const extra = appError.extensions?.retryAfter;
    if (typeof extra === 'number') res.setHeader('Retry-After', String(extra));
    if (appError.status === 503) res.setHeader('Retry-After', '5');
    res.status(appError.status).type('application/problem+json').send(JSON.stringify(appError.toProblem(requestId)));
  };
}

export const apiNotFound: RequestHandler = (req, _res, next) => next(new NotFoundError(`API route ${req.method} ${req.path}`));
