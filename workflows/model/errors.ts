/**
 * The one error hierarchy of Ordo. Pure and browser-safe so that engine, connectors, server and
 * designer all speak it; the server turns it into application/problem+json (RFC 9457).
 */

/** One failing input: a JSON-pointer-like dotted path (`lines.0.quantity`) and the reason. */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldIssue[];
  requestId?: string;
  [extension: string]: unknown;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** false: the message is internal and clients only see a generic title. */
  readonly expose: boolean = true;
  readonly issues?: FieldIssue[];
  readonly extensions?: Record<string, unknown>;

  constructor(message: string, options?: { issues?: FieldIssue[]; cause?: unknown; extensions?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.issues = options?.issues;
    this.extensions = options?.extensions;
  }

  toProblem(requestId?: string): ProblemJson {
    return {
      type: `https://ordo.dev/problems/${this.code}`,
      title: this.expose ? this.message : 'Internal error',
      status: this.status,
      ...(this.issues?.length ? { errors: this.issues } : {}),
      ...(this.expose && this.extensions ? this.extensions : {}),
      ...(requestId ? { requestId } : {}),
    };
  }
}

/** 400: the input is malformed or fails its schema; `issues` names every failing field. */
export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'validation';
  constructor(message: string, issues: FieldIssue[] = [], options?: { cause?: unknown }) {
    super(message, { issues, cause: options?.cause });
  }
}

/** 422: well-formed input that the business rules refuse (a task that is not waiting, a failing test case). */
export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly code = 'unprocessable';
  constructor(message: string, issues?: FieldIssue[], extensions?: Record<string, unknown>) {
    super(message, { issues, extensions });
  }
}

export class UnauthenticatedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthenticated';
  constructor(message = 'Authentication required') {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
  constructor(message = 'You do not have permission for this action') {
    super(message);
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not-found';
  constructor(what: string) {
    super(`${what} not found`);
  }
}

/** 409: the state moved on (optimistic version, duplicate key, task already claimed). */
export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'conflict';
  constructor(message: string, extensions?: Record<string, unknown>) {
    super(message, { extensions });
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload-too-large';
  constructor(message = 'Request body is too large') {
    super(message);
  }
}

export class RateLimitedError extends AppError {
  readonly status = 429;
  readonly code = 'rate-limited';
  constructor(message = 'Too many requests, slow down', retryAfterSeconds?: number) {
    super(message, { extensions: retryAfterSeconds ? { retryAfter: retryAfterSeconds } : undefined });
  }
}

/** 503: a dependency (the database, a browser) is unavailable; the client may retry. */
export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'unavailable';
  constructor(message = 'Service temporarily unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** 503: this node is shutting down and handed the work back; another node (or a retry) takes it. */
export class NodeStoppingError extends ServiceUnavailableError {
  constructor(message = 'This node is stopping; the work was handed back to the other nodes, try again') {
    super(message);
  }
}

/**
 * 503: a workflow command did not settle within its time limit (an overloaded node, a slow service
 * or printer): nothing of it was saved, as after a crash, and its caller retries it (a job on the
 * next poll, an order's flow start with its counted attempts, a person's request on their retry).
 */
export class CommandTimeoutError extends ServiceUnavailableError {
  constructor(ms: number) {
    super(`The workflow command did not settle within ${ms} ms; nothing of it was saved, try again`);
  }
}

/** 500: a bug or an unexpected failure; the message is logged, never shown. */
export class InternalError extends AppError {
  readonly status = 500;
  readonly code = 'internal';
  override readonly expose = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Configuration that cannot work: thrown at start-up, before anything listens. */
export class ConfigError extends AppError {
  readonly status = 500;
  readonly code = 'config';
  override readonly expose = false;
  constructor(message: string, issues?: FieldIssue[]) {
    super(message, { issues });
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
