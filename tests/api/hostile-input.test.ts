/**
 * Hostile input against every write endpoint of the route table (and every query string): NoSQL
 * operators, prototype-pollution keys, huge numbers and strings, deep nesting, invalid UTF-8, path
 * traversal and markup. Never a 5xx, never a polluted prototype, and the server stays healthy.
 */
import type { RunningOrdo } from '../../server/main';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';

const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** raw JSON texts: some cannot be written as JS literals (__proto__ would vanish) */
export const HOSTILE_BODIES: Record<string, string | Uint8Array> = {
  'operator injection': JSON.stringify({ email: { $gt: '' }, name: { $ne: null }, password: { $regex: '.*' }, id: { $where: 'sleep(1000)' } }),
  'operator keys at top': JSON.stringify({ $set: { role: 'admin' }, $where: '1' }),
  'proto pollution': '{"__proto__":{"polluted":"yes"},"name":"x"}',
  'constructor pollution': '{"constructor":{"prototype":{"polluted":"yes"}}}',
  'huge numbers': JSON.stringify({ quantity: 1e308, amount: -1e308, version: 2 ** 53 + 2, limit: 9007199254740993 }),
  'huge string': JSON.stringify({ name: 'x'.repeat(400_000), email: `${'a'.repeat(300)}@x.io` }),
  'deep nesting': deep(3000),
  'invalid utf-8': new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  'wrong types': JSON.stringify({ name: ['a'], email: 42, role: { admin: true }, scopes: 'all', groups: [[['x']]] }),
  'array body': JSON.stringify([1, 2, 3]),
  'null body': 'null',
  'path traversal': JSON.stringify({ name: '../../../../etc/passwd', file: '..\\..\\windows\\win.ini', key: '../../secret.key' }),
  'markup and script': JSON.stringify({ name: '<script>alert(1)</script><img src=x onerror=alert(1)>', notes: 'javascript:alert(1)' }),
  'keys with dots and dollars': JSON.stringify({ 'a.b': 1, $c: 2, nested: { 'x.y': { $gt: 1 } } }),
};

const HOSTILE_QUERIES = ['?limit=-1', '?limit=1e309', '?from=not-a-date', '?q[$gt]=', '?status[$ne]=x', '?__proto__[polluted]=yes', '?q=%FF%FE', `?q=${'x'.repeat(8000)}`];

const samplePath = (p: string) => p.replace(/:([A-Za-z]+)/g, (_m, name: string) => (/id$/i.test(name) ? '0123456789abcdef01234567' : 'sample'));


// thousands of sequential requests against every route: on a loaded 2-core machine this takes minutes
jest.setTimeout(300_000);
describe('hostile input suite over every route', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'hostile' });
  });
  afterAll(() => ordo.close());

  it('never answers 5xx, never pollutes a prototype, and keeps the server healthy', async () => {
    let admin = await adminClient(ordo);
    const failures: string[] = [];
    const tally: Record<string, Record<number, number>> = {};
    const count = (name: string, status: number) => {
      tally[name] ??= {};
      tally[name][status] = (tally[name][status] ?? 0) + 1;
    };
    const routes = [...ordo.routes].filter((r) => !/logout/.test(r.path));
    for (const route of routes) {
      const url = samplePath(route.path);
      if (route.method === 'get') {
        for (const q of HOSTILE_QUERIES) {
          const res = await admin.request('GET', url + q);
          count('hostile query', res.status);
          if (res.status >= 500) failures.push(`GET ${route.path}${q.slice(0, 40)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
        continue;
      }
      for (const [name, body] of Object.entries(HOSTILE_BODIES)) {
        const res = await fetch(ordo.url + url, {
          method: route.method.toUpperCase(),
          headers: { 'content-type': 'application/json', cookie: admin.cookieHeader!, 'x-csrf-token': (await admin.get('/api/auth/me')).body?.csrfToken ?? '' },
          body,
        });
        count(name, res.status);
        if (res.status >= 500) failures.push(`${route.method.toUpperCase()} ${route.path} [${name}] → ${res.status} ${(await res.text()).slice(0, 200)}`);
        // a hostile body may legitimately end the admin's own session (e.g. a self-change); sign in again
        if ((await admin.get('/api/auth/me')).status !== 200) admin = await adminClient(ordo);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect((await new ApiClient(ordo.url).get('/readyz')).status).toBe(200);
    const lines = Object.entries(tally).map(([name, statuses]) => `  ${name.padEnd(28)} ${Object.entries(statuses).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    process.stdout.write(`hostile input: ${routes.length} routes\n${lines.join('\n')}\n`);
    expect(failures).toEqual([]);
  });

  it('stores operator-shaped values as inert text or refuses them: no user is created from an injection', async () => {
    const admin = await adminClient(ordo);
    const res = await admin.post('/api/users', { email: { $gt: '' }, name: 'x', role: 'admin', password: 'injection-pass-1' });
    expect(res.status).toBe(400);
    const login = await new ApiClient(ordo.url).request('POST', '/api/auth/login', JSON.stringify({ email: { $ne: null }, password: { $ne: null } }));
    expect(login.status).toBe(400);
  });
});
