/**
 * The permission matrix, generated from the route table: for every declared route and every
 * caller (anonymous, each role, an API key with and without the needed scope), the guard gives
 * exactly the outcome the declaration promises. An express route that is not in the table (and so
 * has no declared access rule) fails the test.
 */
import type { Express } from 'express';
import type { RunningOrdo } from '../../server/main';
import type { AnyRoute } from '../../server/http/route';
import { ROLES, ROLE_PERMISSIONS, type Permission, type Role } from '../../server/contracts/permissions';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';

/** Routes outside the API table on purpose: probes and the designer's static files. */
const UNDECLARED_ALLOWED = new Set(['get /healthz', 'get /readyz']);

function expressRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push(`${m} ${String(layer.route.path)}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as any).router.stack);
  return out;
}

const samplePath = (p: string) => p.replace(/:([A-Za-z]+)/g, (_m, name: string) => (/id$/i.test(name) ? '0123456789abcdef01234567' : 'sample'));


// thousands of sequential requests against every route: on a loaded 2-core machine this takes minutes
jest.setTimeout(300_000);
describe('permission matrix over every declared route', () => {
  let ordo: RunningOrdo;
  const callers = new Map<string, ApiClient>();
  let routes: AnyRoute[];

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'matrix' });
    routes = [...ordo.routes].sort((a, b) => Number(/logout/.test(a.path)) - Number(/logout/.test(b.path)));
    const admin = await adminClient(ordo);
    for (const role of ROLES) {
      const email = `${role}@matrix.local`;
      await admin.post('/api/users', { email, name: role, role, password: 'matrix-password-1' });
    }
  });
  afterAll(() => ordo.close());

  async function userClient(role: Role): Promise<ApiClient> {
    // fresh sign-in per role, and again after a logout route ended the session
    const cached = callers.get(role);
    if (cached && (await cached.get('/api/auth/me')).status === 200) return cached;
    const c = await new ApiClient(ordo.url).login(`${role}@matrix.local`, 'matrix-password-1');
    callers.set(role, c);
    return c;
  }

  it('given the scheduling board, then every role may look at it and operators and admins may also plan on it', () => {
    const board = ordo.routes.filter((r) => r.path.startsWith('/api/scheduling/')).map((r) => `${r.method} ${r.path} ${typeof r.access === 'object' ? r.access.permission : r.access}`);
    expect(board.sort()).toEqual([
      'get /api/scheduling/board scheduling.read',
      'get /api/scheduling/capacity scheduling.read',
      'post /api/scheduling/moves scheduling.plan',
      'put /api/scheduling/capacity scheduling.plan',
    ]);
    const holders = (p: Permission) => ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(p));
    expect(holders('scheduling.read')).toEqual(['admin', 'analyst', 'operator', 'viewer']);
    expect(holders('scheduling.plan')).toEqual(['admin', 'operator']);
  });

  it('declares an access rule for every express route', () => {
    const declared = new Set(ordo.routes.map((r) => `${r.method} ${r.path}`));
    const undeclared = expressRoutes(ordo.app).filter((r) => !declared.has(r) && !UNDECLARED_ALLOWED.has(r));
    expect(undeclared).toEqual([]);
  });

  it('gives every caller exactly the declared outcome on every route (and never a 5xx)', async () => {
    const admin = await adminClient(ordo);
    const failures: string[] = [];
    const rows: string[] = [];
    for (const route of routes) {
      const url = samplePath(route.path);
      const call = (c: ApiClient) => c.request(route.method.toUpperCase(), url, route.method === 'get' ? undefined : {});
      const needed = typeof route.access === 'object' ? route.access.permission : undefined;
      const outcome: string[] = [];

      const anon = await call(new ApiClient(ordo.url));
      const anonOk = route.access === 'public' ? anon.status !== 401 && anon.status !== 403 : anon.status === 401;
      if (!anonOk || anon.status >= 500) failures.push(`${route.method} ${route.path} anonymous → ${anon.status}`);
      outcome.push(`anon:${anon.status}`);

      for (const role of ROLES) {
        const res = await call(await userClient(role));
        const allowed = !needed || ROLE_PERMISSIONS[role].includes(needed);
        const ok = allowed ? res.status !== 401 && res.status !== 403 : res.status === 403;
        if (!ok || res.status >= 500) failures.push(`${route.method} ${route.path} ${role} (allowed=${allowed}) → ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
        outcome.push(`${role}:${res.status}`);
      }

      if (route.access !== 'public') {
        const scopes: Permission[] = needed ? [needed] : ['reports.read'];
        const withScope = await admin.post('/api/api-keys', { name: `m-${route.path}`.slice(0, 100), scopes });
        const other: Permission = needed === 'reports.read' ? 'orders.read' : 'reports.read';
        const without = await admin.post('/api/api-keys', { name: `n-${route.path}`.slice(0, 100), scopes: [other] });
        const r1 = await call(new ApiClient(ordo.url, withScope.body.key));
        const r2 = await call(new ApiClient(ordo.url, without.body.key));
        const keyMayCall = route.access !== 'user';
        if (!keyMayCall && r1.status !== 403) failures.push(`${route.method} ${route.path} api key on a person-only route → ${r1.status}`);
        if (keyMayCall && (r1.status === 401 || r1.status === 403 || r1.status >= 500)) failures.push(`${route.method} ${route.path} api key with ${scopes} → ${r1.status}`);
        if (needed && (r2.status !== 403)) failures.push(`${route.method} ${route.path} api key without ${needed} → ${r2.status}`);
        outcome.push(`key+:${r1.status}`, `key-:${r2.status}`);
      }
      rows.push(`${route.method.toUpperCase().padEnd(6)} ${route.path.padEnd(44)} ${String(needed ?? route.access).padEnd(20)} ${outcome.join(' ')}`);
    }
    process.stdout.write(`permission matrix: ${routes.length} routes × ${ROLES.length + 3} callers\n${rows.join('\n')}\n`);
    expect(failures).toEqual([]);
  });
});
