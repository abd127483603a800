/**
 * Retry bookkeeping shared by every connector call: exponential backoff with jitter that is never
 * zero (unlike a 3-retries-with-no-wait default), capped, and overruled by the remote's Retry-After.
 */
import { z } from 'zod';

export const retryPolicySchema = z.strictObject({
  /** total tries of one call, the first included */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  baseDelayMs: z.number().int().min(1).max(60_000).default(200),
  maxDelayMs: z.number().int().min(1).max(300_000).default(5_000),
});
export type RetryPolicy = z.output<typeof retryPolicySchema>;

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Delay before try `attempt + 1` (attempt counts from 1): "equal jitter", half fixed and half random. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Retry-After as delta-seconds or an HTTP date → milliseconds from now (undefined when absent or unparsable). */
export function parseRetryAfter(header: string | undefined | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Statuses worth another try: timeouts, throttling, and server faults. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
