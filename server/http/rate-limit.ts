/**
 * A small fixed-window rate limiter per node (memory), keyed by client IP or caller. Routes opt in
 * through their descriptor (`rateLimit`). Account lockout for sign-in lives in the database
 * (AuthService), so it holds across nodes; this limiter only stops floods early.
 */
import { RateLimitedError } from '../../workflows/model/errors';

export interface RateLimitRule {
  /** bucket name, shared by routes that should count together */
  bucket: string;
  windowMs: number;
  max: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastSweep = Date.now();

  /** Counts one hit; throws RateLimitedError (429 with Retry-After) over the limit. */
  hit(rule: RateLimitRule, key: string, now = Date.now()): void {
    this.sweep(now);
    const id = `${rule.bucket}:${key}`;
    const w = this.windows.get(id);
    if (!w || now - w.start >= rule.windowMs) {
      this.windows.set(id, { start: now, count: 1 });
      return;
    }
    w.count += 1;
    if (w.count > rule.max) throw new RateLimitedError('Too many requests, slow down', Math.ceil((w.start + rule.windowMs - now) / 1000));
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [id, w] of this.windows) if (now - w.start > 3600_000) this.windows.delete(id);
  }
}
