import { ADMIN, ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';

describe('identity: sign-in, roles, users and API keys over real HTTP', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'auth' });
  });
  afterAll(() => ordo.close());

  it('given the first run, when the admin from ORDO_ADMIN_* signs in, then /me lists every permission and a CSRF token', async () => {
    const admin = await adminClient(ordo);
    const me = await admin.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ email: ADMIN.email, role: 'admin' });
    expect(me.body.permissions).toContain('users.manage');
    expect(me.body.csrfToken).toEqual(expect.any(String));
  });

  it('given a wrong password or an unknown user, when signing in, then both answer 401 with the same message', async () => {
    const anon = new ApiClient(ordo.url);
    const wrong = await anon.post('/api/auth/login', { email: ADMIN.email, password: 'nope-nope-nope-1' });
    const unknown = await anon.post('/api/auth/login', { email: 'ghost@test.local', password: 'nope-nope-nope-1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.title).toBe(unknown.body.title);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('tells 401 (nobody) from 403 (not allowed)', async () => {
    const anon = new ApiClient(ordo.url);
    expect((await anon.get('/api/users')).status).toBe(401);
    const admin = await adminClient(ordo);
    await admin.post('/api/users', { email: 'viewer1@test.local', name: 'Viewer', role: 'viewer', password: 'viewer-password-1' });
    const viewer = await new ApiClient(ordo.url).login('viewer1@test.local', 'viewer-password-1');
    const res = await viewer.post('/api/users', { email: 'x@test.local', name: 'X', role: 'admin', password: 'whatever-pass-1' });
    expect(res.status).toBe(403);
    expect(res.body.title).toMatch(/users\.manage/);
  });

  it('given an admin, when they create an operator, then the operator signs in with operator permissions only', async () => {
    const admin = await adminClient(ordo);
    const created = await admin.post('/api/users', { email: ' Op1@Test.Local ', name: 'Operator One', role: 'operator', groups: ['warehouse'], password: 'operator-pass-1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'op1@test.local', role: 'operator', groups: ['warehouse'], disabled: false });
    expect(created.body).not.toHaveProperty('passwordHash');
    const op = await new ApiClient(ordo.url).login('op1@test.local', 'operator-pass-1');
    const me = await op.get('/api/auth/me');
    expect(me.body.permissions).toContain('tasks.work');
    expect(me.body.permissions).not.toContain('users.manage');
    expect((await op.get('/api/users')).status).toBe(403);
  });

  it('rejects bad input with field paths and stores nothing', async () => {
    const admin = await adminClient(ordo);
    const res = await admin.post('/api/users', { email: 'not-an-email', name: '', role: 'king', password: 'short', isAdmin: true });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['email', 'name', 'role', 'password']));
    expect(res.body.errors.some((e: { message: string }) => /isAdmin/.test(e.message))).toBe(true);
    const users = await admin.get('/api/users');
    expect(users.body.some((u: { email: string }) => u.email === 'not-an-email')).toBe(false);
  });

  it('answers 413 for a body over the limit and 400 for malformed JSON', async () => {
    const anon = new ApiClient(ordo.url);
    const big = await anon.post('/api/auth/login', { email: 'a@b.c', password: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
    const bad = await anon.request('POST', '/api/auth/login', '{"email":');
    expect(bad.status).toBe(400);
  });

  it('refuses cookie-authenticated writes without the CSRF token', async () => {
    const admin = await adminClient(ordo);
    const res = await admin.request('POST', '/api/users', { email: 'csrf@test.local', name: 'C', role: 'viewer', password: 'viewer-password-1' }, { 'x-csrf-token': 'forged' });
    expect(res.status).toBe(403);
    expect(res.body.title).toMatch(/CSRF/);
  });

  it('given a disabled user, then their session ends at once and they cannot sign in', async () => {
    const admin = await adminClient(ordo);
    const u = await admin.post('/api/users', { email: 'leaver@test.local', name: 'Leaver', role: 'operator', password: 'operator-pass-1' });
    const leaver = await new ApiClient(ordo.url).login('leaver@test.local', 'operator-pass-1');
    expect((await leaver.get('/api/auth/me')).status).toBe(200);
    expect((await admin.patch(`/api/users/${u.body.id}`, { disabled: true })).status).toBe(200);
    expect((await leaver.get('/api/auth/me')).status).toBe(401);
    expect((await new ApiClient(ordo.url).post('/api/auth/login', { email: 'leaver@test.local', password: 'operator-pass-1' })).status).toBe(401);
  });

  it('given an API key, then it is shown once, works within its scopes only, and stops working when revoked', async () => {
    const admin = await adminClient(ordo);
    const created = await admin.post('/api/api-keys', { name: 'erp', scopes: ['users.read'] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ordo_/);
    const list = await admin.get('/api/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    const system = new ApiClient(ordo.url, created.body.key);
    expect((await system.get('/api/users')).status).toBe(200);
    expect((await system.post('/api/users', { email: 'k@test.local', name: 'K', role: 'viewer', password: 'viewer-password-1' })).status).toBe(403);
    expect((await admin.delete(`/api/api-keys/${created.body.id}`)).status).toBe(200);
    expect((await system.get('/api/users')).status).toBe(401);
  });

  it('signs out: the cookie no longer works', async () => {
    const op = await adminClient(ordo);
    expect((await op.post('/api/auth/logout')).status).toBe(204);
    expect((await op.get('/api/auth/me')).status).toBe(401);
  });

  it('answers /healthz and /readyz', async () => {
    const anon = new ApiClient(ordo.url);
    expect((await anon.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await anon.get('/readyz')).body).toMatchObject({ status: 'ready', database: 'up' });
  });
});

describe('sign-in lockout', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'lockout' });
  });
  afterAll(() => ordo.close());

  it('given five wrong passwords in a row, then the account answers 429 with Retry-After even for the right password, and an unknown e-mail behaves the same', async () => {
    const anon = new ApiClient(ordo.url);
    for (const email of [ADMIN.email, 'nobody@test.local']) {
      for (let i = 0; i < 5; i++) expect((await anon.post('/api/auth/login', { email, password: `wrong-password-${i}` })).status).toBe(401);
      const locked = await anon.post('/api/auth/login', { email, password: email === ADMIN.email ? ADMIN.password : 'x' });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe('audit trail', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'audit' });
  });
  afterAll(() => ordo.close());

  it('records user changes, API keys and failed sign-ins with actor and before/after, filterable and exportable as CSV', async () => {
    const admin = await adminClient(ordo);
    const u = await admin.post('/api/users', { email: 'aud@test.local', name: 'Aud', role: 'viewer', password: 'viewer-password-1' });
    await admin.patch(`/api/users/${u.body.id}`, { role: 'operator' });
    await new ApiClient(ordo.url).post('/api/auth/login', { email: 'aud@test.local', password: 'wrong-password-1' });
    const trail = await admin.get(`/api/audit?targetId=${u.body.id}`);
    expect(trail.status).toBe(200);
    const actions = trail.body.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['user.create:ok', 'user.update:ok', 'auth.login:denied']));
    const update = trail.body.find((e: { action: string }) => e.action === 'user.update');
    expect(update.actor.label).toBe(ADMIN.email);
    expect(update.before.role).toBe('viewer');
    expect(update.after.role).toBe('operator');
    const csv = await admin.get(`/api/audit?action=user.*&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.body).toMatch(/^at,actor,action/);
    expect(csv.body).toContain('user.update');
    expect(csv.body).not.toContain('passwordHash');
  });

  it('refuses audit reading without audit.read', async () => {
    const admin = await adminClient(ordo);
    await admin.post('/api/users', { email: 'an@test.local', name: 'An', role: 'analyst', password: 'analyst-password-1' });
    const analyst = await new ApiClient(ordo.url).login('an@test.local', 'analyst-password-1');
    expect((await analyst.get('/api/audit')).status).toBe(403);
  });
});
