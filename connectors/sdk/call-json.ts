/**
 * A JSON call with the usual status mapping, for code connectors: 2xx → parsed body; a listed
 * business code in a 4xx body → BpmnError (a boundary error event routes it); other 4xx → not
 * retryable; 408/429/5xx and network faults → retryable (after the in-call retries), Retry-After kept.
 */
import { BpmnError, ConnectorError } from './errors';
import type { ConnectorContext } from './define';
import { parseRetryAfter, isRetryableStatus, DEFAULT_RETRY, type RetryPolicy } from './retry';

export interface JsonCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  query?: Record<string, string | number | readonly (string | number)[] | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /** send the call's idempotency key in this header (writes) */
  idempotencyHeader?: string;
  /** error codes in the response body's `code` that are business outcomes → BpmnError with that code */
  businessErrors?: readonly string[];
  retry?: RetryPolicy;
}

export async function callJson<T = unknown>(ctx: Pick<ConnectorContext, 'http' | 'call'>, call: JsonCall): Promise<T> {
  const url = new URL(call.url);
  for (const [k, v] of Object.entries(call.query ?? {})) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
  }
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.idempotencyHeader) headers[call.idempotencyHeader] = ctx.call.idempotencyKey;
  const res = await ctx.http.send({ method: call.method, url: url.toString(), headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) }, { retry: call.retry ?? DEFAULT_RETRY });
  if (res.status >= 200 && res.status < 300) return res.json() as T;

  let problem: { code?: unknown; message?: unknown } = {};
  try {
    problem = (res.json() as typeof problem) ?? {};
  } catch {
    /* a non-JSON error body */
  }
  const code = typeof problem.code === 'string' ? problem.code : undefined;
  const detail = typeof problem.message === 'string' ? `: ${problem.message}` : '';
  const what = `${call.method} ${url.pathname} answered ${res.status}${code ? ` ${code}` : ''}${detail}`;
  if (code && call.businessErrors?.includes(code)) throw new BpmnError(code, what);
  if (isRetryableStatus(res.status)) throw new ConnectorError(what, { retryable: true, retryAfterMs: parseRetryAfter(res.headers['retry-after']) });
  throw new ConnectorError(what, { retryable: false, details: { status: res.status, ...(code ? { remoteCode: code } : {}) } });
}
