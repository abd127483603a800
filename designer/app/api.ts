/**
 * The one HTTP client of the designer. Sends the session cookie (same origin), adds the CSRF token
 * from /api/auth/me to every write, and turns application/problem+json into an ApiError that
 * names each failing field.
 */
import type { FieldIssue, ProblemJson } from '../../workflows/model/errors';

export type { FieldIssue };

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached */
    readonly status: number,
    /** the server's title (English), or a technical message for network failures */
    readonly title: string,
    readonly issues: readonly FieldIssue[] = [],
    readonly problem?: ProblemJson,
  ) {
    super(title);
    this.name = 'ApiError';
  }

  /** The server's message for one field path (e.g. 'email', 'lines.0.quantity'), if it failed. */
  fieldMessage(path: string): string | undefined {
    return this.issues.find((i) => i.path === path)?.message;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

type Listener = () => void;
let csrfToken: string | undefined;
const unauthenticatedListeners = new Set<Listener>();

function isProblem(body: unknown): body is ProblemJson {
  return typeof body === 'object' && body !== null && typeof (body as ProblemJson).title === 'string';
}

async function request<T>(method: string, path: string, body?: unknown, init: { signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', signal: init.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, (err as Error).message || 'network error');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (res.ok) return parsed as T;
  const problem = isProblem(parsed) ? parsed : undefined;
  // a session that ended (expired, signed out elsewhere): the app goes back to the sign-in page
  if (res.status === 401 && path !== '/api/auth/login' && path !== '/api/auth/me') for (const l of unauthenticatedListeners) l();
  throw new ApiError(res.status, problem?.title ?? res.statusText, problem?.errors ?? [], problem);
}

export const api = {
  get: <T>(path: string, init?: { signal?: AbortSignal }) => request<T>('GET', path, undefined, init),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
  /** Set by the session from /api/auth/me; cleared on sign-out. */
  setCsrfToken(token: string | undefined) {
    csrfToken = token;
  },
  onUnauthenticated(listener: Listener): () => void {
    unauthenticatedListeners.add(listener);
    return () => unauthenticatedListeners.delete(listener);
  },
};
