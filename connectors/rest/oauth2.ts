/** OAuth2 client-credentials tokens, cached until shortly before they expire and shared across calls. */
import crypto from 'node:crypto';
import { ConnectorError, type ConnectorContext } from '../sdk';
import type { RestAuth } from './rest.schema';

type OAuth2 = Extract<RestAuth, { type: 'oauth2' }>;
interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Refresh this long before the announced expiry, so a token never dies mid-call. */
const EXPIRY_SKEW_MS = 30_000;

export class OAuthTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  /** token requests made (for tests and the bench) */
  fetches = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private key(auth: OAuth2): string {
    return crypto.createHash('sha256').update(JSON.stringify([auth.tokenUrl, auth.clientId, auth.clientSecret, auth.scope ?? '', auth.audience ?? ''])).digest('hex');
  }

  invalidate(auth: OAuth2): void {
    this.tokens.delete(this.key(auth));
  }

  /** `auth` has its secrets resolved; the token is registered with the call's masker. */
  async token(ctx: Pick<ConnectorContext, 'http' | 'addSecret'>, auth: OAuth2, timeoutMs: number): Promise<string> {
    const key = this.key(auth);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) {
      ctx.addSecret(cached.token);
      return cached.token;
    }
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(ctx, auth, timeoutMs).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    const fresh = await pending;
    this.tokens.set(key, fresh);
    ctx.addSecret(fresh.token);
    return fresh.token;
  }

  private async fetch(ctx: Pick<ConnectorContext, 'http' | 'addSecret'>, auth: OAuth2, timeoutMs: number): Promise<CachedToken> {
    this.fetches++;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    if (auth.audience) form.set('audience', auth.audience);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (auth.clientAuth === 'basic') {
      const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64');
      ctx.addSecret(basic);
      headers.authorization = `Basic ${basic}`;
    } else {
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.clientSecret);
      ctx.addSecret(encodeURIComponent(auth.clientSecret));
    }
    const res = await ctx.http.send({ method: 'POST', url: auth.tokenUrl, headers, body: form.toString() }, { timeoutMs, retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 } });
    let body: { access_token?: unknown; expires_in?: unknown } | undefined;
    try {
      body = res.json() as typeof body;
    } catch {
      body = undefined;
    }
    if (res.status >= 300 || typeof body?.access_token !== 'string') {
      throw new ConnectorError(`The OAuth2 token endpoint answered ${res.status} without an access_token`, { retryable: res.status >= 500 || res.status === 429 });
    }
    ctx.addSecret(body.access_token);
    const ttlMs = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : 300_000;
    return { token: body.access_token, expiresAt: this.now() + Math.max(1000, ttlMs - EXPIRY_SKEW_MS) };
  }
}
