/**
 * The designer in Debian's chromium against a real Ordo: sign-in, navigation by role, Admin > Users
 * and API keys, languages that persist, and a page that stays free of console errors and CSP
 * violations throughout.
 */
import { ADMIN, ApiClient } from '../helpers/server';
import { DesignerHarness, navAreas, screenshot, signIn, type TestBrowser } from '../helpers/browser';

const OPERATOR = { name: 'Olivia Operator', email: 'olivia@test.local', password: 'operator-pass-77' };
const ALL_AREAS = ['Workflows', 'Rules', 'Connectors', 'Templates', 'Tasks', 'Orders', 'Scheduling', 'Reports', 'Admin'];

describe('designer end to end (chromium)', () => {
  let harness: DesignerHarness;
  let admin: TestBrowser;

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_designer');
    admin = await harness.browser();
  });
  afterAll(() => harness?.close());

  it('given a fresh Ordo, when the root URL opens, then the sign-in page shows without loading any area code', async () => {
    const scripts: string[] = [];
    admin.page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    const page = await admin.open('/');
    await page.locator('form.login-card').waitFor();
    expect(page.url()).toBe(`${harness.url}/login`);
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    await page.waitForLoadState('networkidle');
    // the entry and the small chunks it shares with areas, never an area page or a heavy editor
    expect(scripts.some((s) => /^\/assets\/index-[\w-]+\.js$/.test(s))).toBe(true);
    expect(scripts.filter((s) => /Page-|Modeler|InstanceView|bpmn|grapes|recharts|OrderForm/.test(s))).toEqual([]);
    await screenshot(page, '01-login');
    expect(admin.problems).toEqual([]);
  });

  it('given the page watch, when a page runs an inline script or logs an error, then both are reported (the checks below can fail)', async () => {
    const probe = await harness.browser();
    const page = await probe.open('/login');
    await page.locator('form.login-card').waitFor();
    // (a string: the root tsconfig has no DOM types)
    await page.evaluate(`{
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.body.append(script);
      console.error('probe error');
    }`);
    await page.waitForTimeout(200);
    expect(await page.evaluate('window.inlineRan')).toBeUndefined();
    expect(probe.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^CSP violation: script-src/), expect.stringMatching(/^console error: probe error/)]));
    await probe.close();
  });

  it('given a wrong password, when signing in, then the page says so and stays on sign-in', async () => {
    const page = admin.page;
    await page.locator('#login-email').fill(ADMIN.email);
    await page.locator('#login-password').fill('wrong-password-123');
    await page.locator('form.login-card button[type=submit]').click();
    await expectText(page.locator('form.login-card [role=alert]'), 'The e-mail or the password is not correct.');
    expect(admin.problems).toEqual([]);
  });

  it('given the admin, when they sign in, then all nine areas and their own name are shown', async () => {
    const page = admin.page;
    await signIn(page, ADMIN.email, ADMIN.password);
    expect(await navAreas(page)).toEqual(ALL_AREAS);
    await expectText(page.locator('.user-menu-button .user-role'), 'Administrator');
    await expectText(page.locator('h1'), 'Welcome, Administrator');
    await screenshot(page, '02-home-admin');
    await page.locator('nav.sidebar a[data-area=workflows]').click();
    await expectText(page.locator('.page-header h1'), 'Workflows');
    expect(admin.problems).toEqual([]);
  });

  it('given Admin > Users, when the admin creates an operator with a weak password, then the field error shows; with a good one the user is listed', async () => {
    const page = await admin.open('/admin');
    await page.waitForURL(`${harness.url}/admin/users`);
    await page.locator(`tr[data-email="${ADMIN.email}"]`).waitFor();
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Name').fill(OPERATOR.name);
    await form.getByLabel('E-mail').fill(OPERATOR.email);
    await form.getByLabel('Role').selectOption('operator');
    await form.getByLabel('Password').fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expectText(form.locator('.field-invalid .field-error'), 'At least 12 characters, mixing letters with digits or symbols.');
    await screenshot(page, '03-users-field-error');

    await form.getByLabel('Password').fill(OPERATOR.password);
    await form.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator(`tr[data-email="${OPERATOR.email}"]`);
    await row.waitFor();
    expect(await row.locator('td').allInnerTexts()).toEqual([OPERATOR.name, OPERATOR.email, expect.any(String), '+', 'Browser language', 'Active', expect.any(String), expect.stringMatching(/^All orders\s*Edit$/), 'Disable']);
    expect(await row.getByLabel(`Role of ${OPERATOR.name}`).inputValue()).toBe('operator');
    await expectText(page.locator('.banner-ok > span').first(), `User ${OPERATOR.email} was created.`);
    await screenshot(page, '04-users');

    // stored for real: the new user signs in over the API
    await new ApiClient(harness.url).login(OPERATOR.email, OPERATOR.password);
    expect(admin.problems).toEqual([]);
  });

  it('given an existing user, when the admin changes the role and disables them, then the server enforces both; enabling lets them in again', async () => {
    const api = await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password);
    const created = await api.post('/api/users', { email: 'vic@test.local', name: 'Vic Viewer', role: 'viewer', password: 'viewer-pass-123' });
    expect(created.status).toBe(201);
    const page = await admin.open('/admin/users');
    const row = page.locator('tr[data-email="vic@test.local"]');
    await row.getByLabel('Role of Vic Viewer').selectOption('analyst');
    await expectText(page.locator('.banner-ok > span').first(), 'Vic Viewer is now Analyst.');
    expect((await api.get('/api/users')).body.find((u: { email: string }) => u.email === 'vic@test.local').role).toBe('analyst');

    await row.getByRole('button', { name: 'Disable' }).click();
    await expectText(row.locator('.badge'), 'Disabled');
    expect((await new ApiClient(harness.url).post('/api/auth/login', { email: 'vic@test.local', password: 'viewer-pass-123' })).status).toBe(401);

    await row.getByRole('button', { name: 'Enable' }).click();
    await expectText(row.locator('.badge'), 'Active');
    expect((await new ApiClient(harness.url).post('/api/auth/login', { email: 'vic@test.local', password: 'viewer-pass-123' })).status).toBe(200);
    expect(admin.problems).toEqual([]);
  });

  it('given Admin > API keys, when the admin creates a key, then its secret is shown once and works; revoking it stops it', async () => {
    const page = await admin.open('/admin/api-keys');
    await page.getByRole('button', { name: 'New API key' }).click();
    const form = page.getByRole('form', { name: 'New API key' });
    await screenshot(page, '05-api-key-form');
    await form.getByRole('button', { name: 'Create key' }).click();
    await expectText(form.locator('.field-error').first(), 'Enter a name of up to 120 characters.');
    await form.getByLabel('Name').fill('Web shop');
    await form.getByLabel('See users and roles').check();
    await form.getByLabel('Search and read orders').check();
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('api-key-secret').inputValue();
    expect(secret).toMatch(/^ordo_/);
    await screenshot(page, '05-api-key-secret');

    const asKey = new ApiClient(harness.url, secret);
    expect((await asKey.get('/api/users')).status).toBe(200);
    expect((await asKey.get('/api/api-keys')).status).toBe(403);

    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('api-key-secret').count()).toBe(0);
    const row = page.locator('tr[data-key-name="Web shop"]');
    await expectText(row.locator('td').nth(2), '2 permissions');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke now' }).click();
    await expectText(row.locator('.badge'), 'Revoked');
    await screenshot(page, '06-api-keys');
    expect((await asKey.get('/api/users')).status).toBe(401);
    expect(admin.problems).toEqual([]);
  });

  it('given the operator, when they sign in, then only Tasks, Orders, Scheduling and Reports are shown and /admin says no access', async () => {
    const operator = await harness.browser();
    const page = await operator.open('/admin');
    await signIn(page, OPERATOR.email, OPERATOR.password);
    // back at the address they asked for, which their role does not include
    expect(page.url()).toBe(`${harness.url}/admin`);
    await expectText(page.locator('[data-testid=no-access] h1'), 'No access');
    await expectText(page.locator('[data-testid=no-access] p'), 'Your role (Operator) does not include Admin. If you need it, ask an administrator.');
    expect(await navAreas(page)).toEqual(['Tasks', 'Orders', 'Scheduling', 'Reports']);
    await screenshot(page, '07-operator-no-access');
    await operator.open('/workflows');
    await expectText(page.locator('[data-testid=no-access] h1'), 'No access');
    await operator.open('/orders');
    await page.locator('main h1').first().waitFor();
    expect(await page.locator('[data-testid=no-access]').count()).toBe(0);
    expect(operator.problems).toEqual([]);
    await operator.close();
  });

  it('given the operator, when they switch to 简体中文 and then 繁體中文, then the UI follows and the choice survives reloads and a new browser', async () => {
    const operator = await harness.browser();
    const page = await operator.open('/');
    await signIn(page, OPERATOR.email, OPERATOR.password);
    const language = page.locator('.user-menu-panel select');

    await page.locator('.user-menu-button').click();
    await language.selectOption({ label: '简体中文' });
    expect(await navAreas(page)).toEqual(['任务', '订单', '排产', '报表']);
    await expectText(page.locator('.user-menu-button .user-role'), '操作员');
    await screenshot(page, '08-zh-CN');
    await page.reload();
    expect(await navAreas(page)).toEqual(['任务', '订单', '排产', '报表']);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');

    await page.locator('.user-menu-button').click();
    await language.selectOption({ label: '繁體中文' });
    expect(await navAreas(page)).toEqual(['任務', '訂單', '排產', '報表']);
    await page.reload();
    expect(await navAreas(page)).toEqual(['任務', '訂單', '排產', '報表']);
    await expectText(page.locator('h1'), `歡迎，${OPERATOR.name}`);
    expect(operator.problems).toEqual([]);
    await operator.close();

    // saved on the server: a browser that never saw the choice gets it from /api/auth/me
    const elsewhere = await harness.browser({ locale: 'en-US' });
    const fresh = await elsewhere.open('/');
    await expectText(fresh.locator('h1'), 'Sign in');
    await signIn(fresh, OPERATOR.email, OPERATOR.password);
    expect(await navAreas(fresh)).toEqual(['任務', '訂單', '排產', '報表']);
    const me = await (await new ApiClient(harness.url).login(OPERATOR.email, OPERATOR.password)).get('/api/auth/me');
    expect(me.body.user.locale).toBe('zh-TW');

    // back to the browser's language: the override is cleared on the server too
    await fresh.locator('.user-menu-button').click();
    await fresh.locator('.user-menu-panel select').selectOption('');
    expect(await navAreas(fresh)).toEqual(['Tasks', 'Orders', 'Scheduling', 'Reports']);
    const after = await (await new ApiClient(harness.url).login(OPERATOR.email, OPERATOR.password)).get('/api/auth/me');
    expect(after.body.user.locale).toBeNull();
    expect(elsewhere.problems).toEqual([]);
  });

  it('given a browser set to Traditional Chinese and no saved choice, then the sign-in page is in 繁體中文', async () => {
    const taiwan = await harness.browser({ locale: 'zh-TW' });
    const page = await taiwan.open('/');
    await expectText(page.locator('h1'), '登入');
    await screenshot(page, '09-login-zh-TW');
    expect(taiwan.problems).toEqual([]);
  });

  it('given the admin in 繁體中文, then Admin > Users and API keys are translated, dates included', async () => {
    const page = await admin.open('/admin/users');
    await page.locator('.user-menu-button').click();
    await page.locator('.user-menu-panel select').selectOption('zh-TW');
    await page.locator('.user-menu-button').click();
    await expectText(page.locator('.tabs a').first(), '使用者');
    await expectText(page.locator('#users-title'), '使用者');
    const created = await page.locator(`tr[data-email="${OPERATOR.email}"] td`).nth(6).textContent();
    expect(created).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
    await screenshot(page, '10-users-zh-TW');
    await page.locator('.tabs a').nth(1).click();
    await page.getByRole('button', { name: '新增 API 金鑰' }).click();
    await expectText(page.locator('.scope-group-title').first(), '使用者');
    await screenshot(page, '11-api-key-form-zh-TW');
    await page.locator('.user-menu-button').click();
    await page.locator('.user-menu-panel select').selectOption('');
    await expectText(page.locator('.tabs a').first(), 'Users');
    expect(admin.problems).toEqual([]);
  });

  it('given the admin, when they sign out from the user menu, then the sign-in page returns and the session is gone', async () => {
    // independent of the language an earlier scenario left on the account
    const api = await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password);
    expect((await api.patch('/api/auth/me', { locale: null })).status).toBe(204);
    const page = await admin.open('/');
    await page.locator('.user-menu-button').click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.locator('form.login-card').waitFor();
    await admin.open('/admin/users');
    await page.waitForURL(`${harness.url}/login`);
    expect(admin.problems).toEqual([]);
  });
});

/** Waits until the element shows exactly this text (playwright-core has no expect()). */
async function expectText(locator: import('playwright-core').Locator, text: string, timeout = 25_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: string | null;
  for (;;) {
    last = await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null);
    if (last?.trim() === text) return;
    if (Date.now() > deadline) throw new Error(`expected ${locator} to show "${text}", it shows ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
