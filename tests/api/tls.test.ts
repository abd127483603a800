import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import type { RunningOrdo } from '../../server/main';
import { ADMIN, ApiClient, adminClient, startTestOrdo } from '../helpers/server';

function selfSignedCert(): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTPS when TLS_CERT and TLS_KEY are set', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    const { cert, key } = selfSignedCert();
    ordo = await startTestOrdo({ label: 'tls', env: { TLS_CERT: cert, TLS_KEY: key } });
  });
  afterAll(() => ordo.close());

  it('serves HTTPS with HSTS, and the session cookie is Secure, HttpOnly and SameSite', async () => {
    expect(ordo.url).toMatch(/^https:\/\//);
    const health = await get(`${ordo.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    const login = await get(`${ordo.url}/api/auth/login`, { 'content-type': 'application/json' }, 'POST', JSON.stringify(ADMIN));
    expect(login.status).toBe(200);
    const cookie = (login.headers['set-cookie'] as string[]).join(';');
    expect(cookie).toMatch(/ordo_session=/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });
});

describe('security headers and sessions over HTTP', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'headers' });
  });
  afterAll(() => ordo.close());

  it('sends a Content Security Policy and no X-Powered-By', async () => {
    const res = await fetch(`${ordo.url}/healthz`);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('signs out everywhere: every session of that user ends', async () => {
    const a = await adminClient(ordo);
    const b = await new ApiClient(ordo.url).login(ADMIN.email, ADMIN.password);
    expect((await a.post('/api/auth/logout-all')).status).toBe(204);
    expect((await b.get('/api/auth/me')).status).toBe(401);
    expect((await a.get('/api/auth/me')).status).toBe(401);
  });
});
