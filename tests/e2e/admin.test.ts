/**
 * Admin in Debian's chromium against a real Ordo: candidate groups in Users, the audit log with
 * before/after and its CSV export, four-eyes publishing (setting → held publish → a second analyst
 * approves in Approvals → the publish goes through), the login page's SSO error, and signing out
 * everywhere. Every browser ends free of console errors and CSP violations.
 */
import fs from 'node:fs';
import type { Locator } from 'playwright-core';
import { ADMIN, ApiClient } from '../helpers/server';
import { DesignerHarness, navAreas, screenshot, signIn, type TestBrowser } from '../helpers/browser';

const OLGA = { name: 'Olga Operator', email: 'olga@test.local', role: 'operator', password: 'operator-pass-77' };
const ANN = { name: 'Ann Analyst', email: 'ann@test.local', role: 'analyst', password: 'analyst-pass-11' };
const BOB = { name: 'Bob Analyst', email: 'bob@test.local', role: 'analyst', password: 'analyst-pass-22' };
const RULE_SET = 'order-review';

describe('admin end to end (chromium)', () => {
  let harness: DesignerHarness;
  let admin: TestBrowser;
  let adminApi: ApiClient;
  let olgaId: string;

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_admin');
    adminApi = await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password);
    for (const u of [OLGA, ANN, BOB]) {
      const res = await adminApi.post('/api/users', { email: u.email, name: u.name, role: u.role, password: u.password });
      expect(res.status).toBe(201);
      if (u === OLGA) olgaId = res.body.id;
    }
    admin = await harness.browser();
    await signIn(await admin.open('/login'), ADMIN.email, ADMIN.password);
  });
  afterAll(() => harness?.close());

  const groupsOf = async (email: string): Promise<string[]> => (await adminApi.get('/api/users')).body.find((u: { email: string }) => u.email === email).groups;

  it('given Admin > Users, when the admin adds and removes groups, then bad names are refused on the spot and the server stores the rest', async () => {
    const page = await admin.open('/admin/users');
    const row = page.locator(`tr[data-email="${OLGA.email}"]`);
    await expectText(row.locator('td').nth(3), '+');
    await row.getByRole('button', { name: `Add a group to ${OLGA.name}` }).click();
    const box = row.getByRole('textbox', { name: `Add a group to ${OLGA.name}` });
    await box.fill('night shift!');
    await box.press('Enter');
    await expectText(row.locator('.groups-editor .field-error'), 'Use lower-case letters, digits, - and _ (up to 64, starting with a letter or digit).');
    await screenshot(page, 'admin-01-group-invalid');
    expect(await groupsOf(OLGA.email)).toEqual([]);

    await box.fill('  Reviewers ');
    await box.press('Enter');
    await expectText(page.locator('.banner-ok > span').first(), `Groups of ${OLGA.name}: reviewers.`);
    await row.getByRole('button', { name: `Add a group to ${OLGA.name}` }).click();
    await row.getByRole('textbox', { name: `Add a group to ${OLGA.name}` }).fill('warehouse-2');
    await row.getByRole('textbox', { name: `Add a group to ${OLGA.name}` }).press('Enter');
    await expectText(page.locator('.banner-ok > span').first(), `Groups of ${OLGA.name}: reviewers, warehouse-2.`);
    expect(await row.locator('.chip').allTextContents()).toEqual(['reviewers×', 'warehouse-2×']);
    expect(await groupsOf(OLGA.email)).toEqual(['reviewers', 'warehouse-2']);
    await screenshot(page, 'admin-02-groups');

    await row.getByRole('button', { name: 'Remove group reviewers' }).click();
    await expectText(page.locator('.banner-ok > span').first(), `Groups of ${OLGA.name}: warehouse-2.`);
    expect(await groupsOf(OLGA.email)).toEqual(['warehouse-2']);
    expect(admin.problems).toEqual([]);
  });

  it('given the new-user form, when groups are typed, then the user is created with them', async () => {
    const page = await admin.open('/admin/users');
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Name').fill('Pat Packer');
    await form.getByLabel('E-mail').fill('pat@test.local');
    await form.getByLabel('Password').fill('packer-pass-99');
    const groups = form.getByRole('textbox', { name: 'Groups', exact: true });
    await groups.fill('packers');
    await groups.press('Enter'); // adds, does not submit
    await groups.fill('Warehouse'); // typed but not added: counts when the form is sent
    expect(await form.locator('.chip').allTextContents()).toEqual(['packers×']);
    await screenshot(page, 'admin-03-new-user-groups');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.locator('tr[data-email="pat@test.local"]').waitFor();
    expect(await groupsOf('pat@test.local')).toEqual(['packers', 'warehouse']);
    expect(admin.problems).toEqual([]);
  });

  it('given Admin > Users, when the admin limits a user to a channel and warehouses, then the server stores the record scope and the table shows it; a new user is created with one', async () => {
    const page = await admin.open('/admin/users');
    const row = page.locator('tr[data-email="pat@test.local"]');
    await expectText(row.locator('td.col-scope .muted'), 'All orders');
    await row.getByRole('button', { name: 'Record scope of Pat Packer' }).click();
    const editor = row.getByRole('form', { name: 'Record scope of Pat Packer' });
    await editor.getByRole('checkbox', { name: 'Phone' }).check();
    await editor.getByRole('textbox', { name: 'Warehouses' }).fill(' DE-1, NL-1,, DE-1 ');
    await screenshot(page, 'admin-02b-record-scope');
    await editor.getByRole('button', { name: 'Save scope' }).click();
    await expectText(page.locator('.banner-ok > span').first(), 'Record scope of Pat Packer saved; they were signed out everywhere.');
    await expectText(row.locator('.scope-summary'), 'Channels: Phone · Warehouses: DE-1, NL-1');
    const scopeOf = async (email: string) => (await adminApi.get('/api/users')).body.find((u: { email: string }) => u.email === email).scope;
    expect(await scopeOf('pat@test.local')).toEqual({ channels: ['phone'], warehouses: ['DE-1', 'NL-1'] });

    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Name').fill('Wen Web');
    await form.getByLabel('E-mail').fill('wen@test.local');
    await form.getByLabel('Password').fill('web-desk-pass-5');
    await form.getByRole('button', { name: 'Limit to channels and warehouses…' }).click();
    await form.getByRole('checkbox', { name: 'Web form' }).check();
    await form.getByRole('textbox', { name: 'Warehouses' }).fill('US-1');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expectText(page.locator('tr[data-email="wen@test.local"] .scope-summary'), 'Channels: Web form · Warehouses: US-1');
    expect(await scopeOf('wen@test.local')).toEqual({ channels: ['web'], warehouses: ['US-1'] });

    // API keys take a record scope too
    const keys = await admin.open('/admin/api-keys');
    await keys.getByRole('button', { name: 'New API key' }).click();
    const keyForm = keys.getByRole('form', { name: 'New API key' });
    await keyForm.getByLabel('Name').fill('DE-1 scanner');
    await keyForm.getByLabel('Search and read orders').check();
    await keyForm.getByRole('button', { name: 'Limit to channels and warehouses…' }).click();
    await keyForm.getByRole('textbox', { name: 'Warehouses' }).fill('DE-1');
    await keyForm.getByRole('button', { name: 'Create key' }).click();
    await keys.getByTestId('api-key-secret').waitFor();
    await keys.getByRole('button', { name: 'Done' }).click();
    await expectText(keys.locator('tr[data-key-name="DE-1 scanner"] .scope-summary'), 'Warehouses: DE-1');
    expect((await adminApi.get('/api/api-keys')).body.find((k: { name: string }) => k.name === 'DE-1 scanner').recordScope).toEqual({ channels: [], warehouses: ['DE-1'] });
    expect(admin.problems).toEqual([]);
  });

  it('given Admin > Audit log, when filtered to user changes of one user, then the group change shows with before and after, and the CSV export downloads the same', async () => {
    const page = await admin.open('/admin/audit');
    const filters = page.getByRole('form', { name: 'Filters' });
    await filters.getByLabel('Action').fill('user.*');
    await filters.getByLabel('Target id').fill(olgaId);
    await filters.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((u) => u.searchParams.get('action') === 'user.*' && u.searchParams.get('targetId') === olgaId);
    const rows = page.locator('table.audit-table > tbody > tr[data-action]');
    // newest first: the removal, the two additions, the creation
    await expectCount(rows, 4);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).toEqual(['user.update', 'user.update', 'user.update', 'user.create']);
    await expectText(rows.first().locator('td').nth(1), ADMIN.email);

    await rows.first().getByRole('button', { name: /^Show the changes of user\.update/ }).click();
    const groups = page.locator('.audit-detail tr[data-field="groups"]');
    expect(await groups.getAttribute('class')).toBe('diff-changed');
    await expectText(groups.locator('.diff-before'), '["reviewers","warehouse-2"]');
    await expectText(groups.locator('.diff-after'), '["warehouse-2"]');
    // unchanged fields are folded away until asked for
    expect(await page.locator('.audit-detail tr[data-field="email"]').count()).toBe(0);
    await page.getByRole('button', { name: /^Show \d+ unchanged fields$/ }).click();
    await expectText(page.locator('.audit-detail tr[data-field="email"] .diff-after'), OLGA.email);
    await screenshot(page, 'admin-04-audit-diff');

    const link = page.getByTestId('audit-export');
    const href = new URL((await link.getAttribute('href'))!, harness.url);
    expect([href.origin, href.pathname, href.searchParams.get('format'), href.searchParams.get('action'), href.searchParams.get('targetId')]).toEqual([harness.url, '/api/audit', 'csv', 'user.*', olgaId]);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('ordo-audit.csv');
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('at,actor,action,targetType,targetId,targetLabel,outcome,ip,before,after');
    expect(csv).toHaveLength(5);
    expect(csv[1]).toContain(`"${ADMIN.email}","user.update","user","${olgaId}","${OLGA.email}","ok"`);
    expect(csv[1]).toContain('""groups"":[""warehouse-2""]');
    expect(csv[4]).toContain('"user.create"');
    expect(admin.problems).toEqual([]);
  });

  it('given four-eyes for rule sets, when an analyst publishes, then the publish is held until a second analyst approves in Approvals; the requester cannot approve it', async () => {
    // the admin switches four-eyes on for rule sets
    let page = await admin.open('/admin/settings');
    const ruleSwitch = page.locator('[data-kind="ruleSet"] input[role=switch]');
    expect(await ruleSwitch.isChecked()).toBe(false);
    await ruleSwitch.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expectText(page.locator('.banner-ok > span').first(), 'Settings saved. They apply to the next publish on every node.');
    await screenshot(page, 'admin-05-settings');
    expect((await adminApi.get('/api/settings')).body.fourEyes).toEqual({ workflow: false, ruleSet: true, template: false });

    // Ann changes the rule set and publishes: held, with a request filed
    const ann = await new ApiClient(harness.url).login(ANN.email, ANN.password);
    const current = (await ann.get(`/api/rule-sets/${RULE_SET}`)).body;
    const doc = { ...current.draft.doc, description: `${current.draft.doc.description} Reviewed for the four-eyes test.` };
    expect((await ann.put(`/api/rule-sets/${RULE_SET}/draft?rev=${current.draft.rev}`, doc)).status).toBe(200);
    const held = await ann.post(`/api/rule-sets/${RULE_SET}/publish`, { note: 'four-eyes test' });
    expect(held.status).toBe(409);
    expect(held.body).toMatchObject({ approvalRequired: true, approvalId: expect.any(String) });
    const approvalId: string = held.body.approvalId;

    // Ann sees Admin with only Approvals, and her own approval is refused by the server
    const annBrowser = await harness.browser();
    page = await annBrowser.open('/admin');
    await signIn(page, ANN.email, ANN.password);
    expect(await navAreas(page)).toContain('Admin');
    await page.waitForURL(`${harness.url}/admin/approvals`);
    // her only tab, with the pending count
    await expectText(page.locator('.tabs'), 'Approvals1');
    expect(await page.locator('.tabs a').count()).toBe(1);
    const annRow = page.locator(`tr[data-approval="${approvalId}"]`);
    await expectText(annRow.locator('td').nth(1), `${ANN.email} (you)`);
    await expectText(annRow.locator('td').nth(4), 'Order review: version 2 — four-eyes test');
    await annRow.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Approve request' }).click();
    const refusal = page.locator('.decision-form [role=alert]');
    await expectText(refusal.locator('span').first(), 'You filed this request yourself: the approval must come from a second person.');
    await expectText(refusal.locator('.banner-detail'), 'The approval must come from a second person, not the requester');
    await screenshot(page, 'admin-06-own-approval-refused');
    expect((await ann.post(`/api/rule-sets/${RULE_SET}/publish`, { note: 'four-eyes test' })).status).toBe(409);
    // publishing from the Rules page says the publish is held (the same request, no second one)
    page = await annBrowser.open(`/rules/${RULE_SET}`);
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expectText(page.locator('[role=alert] > span').first(), 'Held for approval: a second person who may publish this must approve it under Admin › Approvals; then publish again.');
    await screenshot(page, 'admin-06b-rules-publish-held');
    expect((await ann.get('/api/approvals?status=pending')).body.map((a: { id: string }) => a.id)).toEqual([approvalId]);
    expect(annBrowser.problems).toEqual([]);

    // Bob, a second analyst, approves with a comment
    const bobBrowser = await harness.browser();
    page = await bobBrowser.open('/admin/approvals');
    await signIn(page, BOB.email, BOB.password);
    const bobRow = page.locator(`tr[data-approval="${approvalId}"]`);
    await expectText(bobRow.locator('td').nth(2), 'Rule set');
    await expectText(bobRow.locator('td').nth(5), 'Pending');
    await screenshot(page, 'admin-07-approvals');
    await bobRow.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('form', { name: 'Approve request' }).getByLabel('Comment').fill('Description only; fine.');
    await page.getByRole('button', { name: 'Approve request' }).click();
    await expectText(page.locator('.banner-ok > span').first(), `Approved: Rule set “${RULE_SET}”. The requester can publish it now.`);
    await expectText(page.locator('.empty-state'), 'No requests are waiting for approval.');
    await page.getByRole('button', { name: 'Approved' }).click();
    await expectText(bobRow.locator('td').nth(6).locator('div').first(), /^bob@test\.local, /);
    await expectText(bobRow.locator('td').nth(6).locator('.muted'), '“Description only; fine.”');
    await screenshot(page, 'admin-08-approved');
    expect(bobBrowser.problems).toEqual([]);

    // Ann's publish now goes through, once
    const published = await ann.post(`/api/rule-sets/${RULE_SET}/publish`, { note: 'four-eyes test' });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ key: RULE_SET, version: 2 });
    expect((await adminApi.get(`/api/approvals?status=consumed`)).body.map((a: { id: string }) => a.id)).toEqual([approvalId]);

    // the trail of the rule publish in the audit log
    page = await admin.open(`/admin/audit?targetId=${RULE_SET}`);
    const trail = page.locator('table.audit-table > tbody > tr[data-action]');
    await expectCount(trail, 3);
    expect(await trail.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).toEqual(['ruleSet.publish', 'approval.approve', 'approval.request']);
    expect(await trail.evaluateAll((trs) => trs.map((tr) => tr.children[1].textContent))).toEqual([ANN.email, BOB.email, ANN.email]);
    await screenshot(page, 'admin-09-audit-rule-trail');
    expect(admin.problems).toEqual([]);
  });

  it('given a failed single sign-on, when the login page opens with ?error=, then the reason is shown; without a provider there is no SSO button', async () => {
    const visitor = await harness.browser();
    const page = await visitor.open(`/login?error=${encodeURIComponent('Your groups at the identity provider give no role in Ordo')}`);
    await expectText(page.getByTestId('sso-error').locator('span').first(), 'Single sign-on did not work.');
    await expectText(page.getByTestId('sso-error').locator('.banner-detail'), 'Your groups at the identity provider give no role in Ordo');
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('link', { name: /^Sign in with/ }).count()).toBe(0);
    await screenshot(page, 'admin-10-login-sso-error');
    expect(visitor.problems).toEqual([]);
  });

  it('given the admin in 简体中文, then every admin tab is translated (a missing key would log a console error)', async () => {
    const page = await admin.open('/admin/audit');
    await page.locator('.user-menu-button').click();
    await page.locator('.user-menu-panel select').selectOption('zh-CN');
    await page.locator('.user-menu-button').click();
    // the language switch re-renders asynchronously: wait for it before reading every tab
    await page.locator('.tabs a', { hasText: '审计日志' }).waitFor();
    expect(await page.locator('.tabs a').allTextContents()).toEqual(['用户', 'API 密钥', '审计日志', '设置', '审批']);
    await expectText(page.locator('#audit-title'), '审计日志');
    await page.locator('table.audit-table > tbody > tr[data-action="settings.update"] button[aria-expanded]').click();
    await expectText(page.locator('.audit-detail tr[data-field="fourEyes.ruleSet"] .diff-after'), 'true');
    await expectText(page.locator('table.audit-table th').first(), '时间');
    await screenshot(page, 'admin-12-audit-zh-CN');
    await page.locator('.tabs a[data-tab=settings]').click();
    await expectText(page.locator('#four-eyes-title'), '双人复核发布');
    await page.locator('.tabs a[data-tab=approvals]').click();
    await page.getByRole('button', { name: '全部' }).click();
    await expectText(page.locator('tr[data-key="order-review"] td').nth(5), '已发布');
    await screenshot(page, 'admin-13-approvals-zh-CN');
    await page.locator('.tabs a[data-tab=users]').click();
    await expectText(page.locator(`tr[data-email="${OLGA.email}"] .chip`), 'warehouse-2×');
    await page.locator('.user-menu-button').click();
    await page.locator('.user-menu-panel select').selectOption('');
    await expectText(page.locator('.tabs a').first(), 'Users');
    expect(admin.problems).toEqual([]);
  });

  it('given two sessions of the admin, when one signs out everywhere from the user menu, then both end', async () => {
    const other = await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password);
    expect((await other.get('/api/auth/me')).status).toBe(200);
    // independent of the language an earlier scenario left on the account
    expect((await other.patch('/api/auth/me', { locale: null })).status).toBe(204);
    const page = await admin.open('/');
    await page.locator('.user-menu-button').click();
    await screenshot(page, 'admin-11-user-menu');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.locator('form.login-card').waitFor();
    expect((await other.get('/api/auth/me')).status).toBe(401);
    expect((await adminApi.get('/api/auth/me')).status).toBe(401);
    expect(admin.problems).toEqual([]);
  });
});

/** Waits until the element's text is exactly `text` (or matches it); playwright-core has no expect(). */
async function expectText(locator: Locator, text: string | RegExp, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const last = (await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null))?.trim() ?? null;
    if (last !== null && (typeof text === 'string' ? last === text : text.test(last))) return;
    if (Date.now() > deadline) throw new Error(`expected ${String(text)}, saw ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function expectCount(locator: Locator, count: number, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (let last = await locator.count(); last !== count; last = await locator.count()) {
    if (Date.now() > deadline) throw new Error(`expected ${count} elements, saw ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
