/**
 * Starts a real Ordo on port 0 against this test file's own database, and gives a small HTTP
 * client that keeps the session cookie and sends the CSRF token like the designer does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { startOrdo, type RunningOrdo } from '../../server/main';
import { testDatabaseUri } from './db';

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-1' };
/** Every node of one deployment shares SECRET_KEY (credentials sealed by one node open on another). */
export const TEST_SECRET_KEY = 'a3'.repeat(32);

export async function startTestOrdo(options: { env?: Record<string, string>; serveDesigner?: boolean; label?: string } = {}): Promise<RunningOrdo> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.ORDO_TEST_LOG_LEVEL ?? 'silent',
    MONGODB_URI: testDatabaseUri(options.label ?? 'api'),
    ORDO_ADMIN_EMAIL: ADMIN.email,
    ORDO_ADMIN_PASSWORD: ADMIN.password,
    SECRET_KEY: TEST_SECRET_KEY,
    DESIGNER_AUTOBUILD: 'false',
    ...options.env,
  });
  const ordo = await startOrdo(config, { serveDesigner: options.serveDesigner ?? false });
  const close = ordo.close;
  return {
    ...ordo,
    async close() {
      await ordo.connection.dropDatabase().catch(() => undefined);
      await close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A caller of the API: anonymous, a signed-in user (cookie + CSRF) or an API key. */
export class ApiClient {
  private cookie?: string;
  private csrf?: string;
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async request<T = any>(method: string, urlPath: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (body !== undefined && typeof body !== 'string') headers['content-type'] = 'application/json';
    if (typeof body === 'string' && !headers['content-type']) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    Object.assign(headers, extraHeaders); // a test may forge any header on purpose
    const res = await fetch(this.baseUrl + urlPath, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('ordo_session='));
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** the session cookie, for a socket.io client of the same user */
  get cookieHeader(): string | undefined {
    return this.cookie;
  }

  get = <T = any>(p: string) => this.request<T>('GET', p);
  post = <T = any>(p: string, b?: unknown, h?: Record<string, string>) => this.request<T>('POST', p, b ?? {}, h);
  patch = <T = any>(p: string, b?: unknown) => this.request<T>('PATCH', p, b ?? {});
  put = <T = any>(p: string, b?: unknown) => this.request<T>('PUT', p, b ?? {});
  delete = <T = any>(p: string) => this.request<T>('DELETE', p);

  /** Signs in and fetches the CSRF token, as the designer does. */
  async login(email: string, password: string): Promise<this> {
    const res = await this.post('/api/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login as ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
    const me = await this.get('/api/auth/me');
    this.csrf = me.body.csrfToken;
    return this;
  }
}

export async function adminClient(ordo: RunningOrdo): Promise<ApiClient> {
  return new ApiClient(ordo.url).login(ADMIN.email, ADMIN.password);
}
