/**
 * OAuth2 client-credentials tokens against a real token endpoint on loopback, with the cache's clock
 * moved by the test: a token is reused until shortly before its announced expiry, then a new one is
 * fetched; callers waiting at the same time share one request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from '../sdk/http';
import { OAuthTokenCache } from './oauth2';

interface TokenServer {
  url: string;
  requests: Array<{ authorization?: string; body: string }>;
  expiresIn: number | undefined;
  close(): Promise<void>;
}

async function tokenServer(): Promise<TokenServer> {
  const state: TokenServer = { url: '', requests: [], expiresIn: 60, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      state.requests.push({ authorization: req.headers.authorization, body });
      const n = state.requests.length;
      // answered a little later, so concurrent callers overlap
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: `token-${n}`, token_type: 'Bearer', ...(state.expiresIn === undefined ? {} : { expires_in: state.expiresIn }) }));
      }, 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}

describe('OAuth2 client-credentials token cache', () => {
  const transport = new HttpTransport();
  let server: TokenServer;
  let now: number;
  let cache: OAuthTokenCache;
  const secrets: string[] = [];
  const ctx = () => ({ http: transport.client({ policy: { allowHosts: [], allowNetworks: ['loopback'] } }), addSecret: (s: string) => void secrets.push(s) });
  const auth = () => ({ type: 'oauth2' as const, tokenUrl: server.url, clientId: 'ordo', clientSecret: 'client-secret-7f3a', clientAuth: 'body' as const, scope: 'erp.read' });

  beforeEach(async () => {
    server = await tokenServer();
    now = Date.parse('2026-12-07T08:00:00Z');
    cache = new OAuthTokenCache(() => now);
    secrets.length = 0;
  });
  afterEach(() => server.close());
  afterAll(() => transport.close());

  it('given a token that expires in 60 s, when calls come before and after its refresh point (30 s ahead of expiry), then the first token serves until then and a new one after', async () => {
    expect(await cache.token(ctx(), auth(), 5000)).toBe('token-1');
    now += 29_000;
    expect(await cache.token(ctx(), auth(), 5000)).toBe('token-1');
    expect(server.requests).toHaveLength(1);
    now += 2_000; // 31 s after the fetch: inside the 30 s before expiry
    expect(await cache.token(ctx(), auth(), 5000)).toBe('token-2');
    expect(server.requests).toHaveLength(2);
    expect(cache.fetches).toBe(2);
    // what the token endpoint got: the grant, the scope and the client's credentials in the body
    const form = new URLSearchParams(server.requests[1].body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', scope: 'erp.read', client_id: 'ordo', client_secret: 'client-secret-7f3a' });
    // both tokens and the client secret are registered for masking
    expect(secrets).toEqual(expect.arrayContaining(['token-1', 'token-2', 'client-secret-7f3a']));
  });

  it('given ten calls at the same moment with no token cached, when they ask, then one token request serves them all', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => cache.token(ctx(), auth(), 5000)));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(server.requests).toHaveLength(1);
  });

  it('given a token the remote revoked, when the connector invalidates it, then the next call fetches a new one before the old one expired', async () => {
    expect(await cache.token(ctx(), auth(), 5000)).toBe('token-1');
    cache.invalidate(auth());
    expect(await cache.token(ctx(), auth(), 5000)).toBe('token-2');
  });

  it('given a token endpoint that announces no expiry, when time passes, then the token is kept 5 minutes less the refresh margin', async () => {
    server.expiresIn = undefined;
    expect(await cache.token(ctx(), auth(), 5000)).toBe('token-1');
    now += 269_000;
    expect(await cache.token(ctx(), auth(), 5000)).toBe('token-1');
    now += 2_000;
    expect(await cache.token(ctx(), auth(), 5000)).toBe('token-2');
  });

  it('given basic client authentication, when a token is fetched, then the credentials go in the Authorization header and not in the body', async () => {
    await cache.token(ctx(), { ...auth(), clientAuth: 'basic' }, 5000);
    const basic = Buffer.from('ordo:client-secret-7f3a').toString('base64');
    expect(server.requests[0].authorization).toBe(`Basic ${basic}`);
    expect(server.requests[0].body).not.toContain('client-secret');
    expect(secrets).toContain(basic);
  });
});
