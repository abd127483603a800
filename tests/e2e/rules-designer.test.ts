/**
 * The rule builder in Debian's chromium against a real Ordo: an analyst changes a review rule with
 * the tree editor, runs it against a test order and sees why it fired, runs the test cases,
 * backtests, publishes; the evaluate API then answers with the new version.
 */
import { ADMIN, adminClient } from '../helpers/server';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';

describe('rule builder end to end (chromium)', () => {
  let harness: DesignerHarness;
  let analyst: TestBrowser;

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_rules');
    analyst = await harness.browser();
  });
  afterAll(() => harness?.close());

  it('given the reference rule sets, when an analyst edits, tests, backtests and publishes, then version 2 decides', async () => {
    const page = await analyst.open('/rules');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.locator('table.table a', { hasText: 'order-review' }).click();
    await page.locator('li[data-rule="high-value-new-customer"]').waitFor();
    await screenshot(page, 'rules-01-editor');

    // the first condition of high-value-new-customer: orderTotal > 10000 → 2000
    const threshold = page.locator('li[data-rule="high-value-new-customer"] .cond-leaf[data-path="rules.6.conditions.all.0"] input[type=number]');
    expect(await threshold.inputValue()).toBe('10000');
    await threshold.fill('2000');
    await page.locator('.badge', { hasText: 'Unsaved changes' }).waitFor();
    await page.locator('.badge', { hasText: 'No problems found.' }).waitFor();

    await page.locator('button[role=tab]', { hasText: 'Test' }).click();
    await page.locator('select[aria-label="Take test case"]').selectOption({ label: 'high value from a new customer goes to manual review' });
    await page.locator('button', { hasText: 'Run against this order' }).click();
    const fired = page.locator('.explain-rule.matched', { hasText: 'high-value-new-customer' });
    await fired.waitFor();
    expect(await fired.locator('.badge', { hasText: 'decides' }).count()).toBe(1);
    expect(await fired.locator('.explain-true').first().textContent()).toContain('✓');
    expect(await page.locator('.decision-outcome').textContent()).toContain('"reason": "HIGH_VALUE"');

    await page.locator('button', { hasText: 'Run all test cases' }).click();
    await page.locator('h3', { hasText: '11 of 11 test cases pass' }).waitFor();
    await page.locator('button', { hasText: 'Backtest' }).click();
    await page.locator('h3', { hasText: 'decisions would change' }).waitFor();
    await screenshot(page, 'rules-02-test');

    await page.locator('button', { hasText: 'Save draft' }).click();
    await page.locator('.banner-ok', { hasText: 'Draft saved' }).waitFor();
    await page.locator('button', { hasText: 'Publish' }).click();
    await page.locator('.banner-ok', { hasText: 'Version 2 is published.' }).waitFor();
    await screenshot(page, 'rules-03-published');

    const api = await adminClient(harness.ordo);
    const order = { totals: { total: 5000 }, customer: { id: 'C-NEW', name: 'N' }, shippingAddress: { country: 'DE' }, lines: [] };
    const facts = { today: '2026-01-10', customerCredit: { available: 40000, blocked: false, rating: 'A' }, listPrices: {}, inventory: [], customerHistory: { orderCount: 0 } };
    const res = await api.post('/api/rule-sets/order-review/evaluate', { order, facts });
    expect(res.body).toMatchObject({ ruleSet: { version: 2 }, outcome: { decision: 'manual', reason: 'HIGH_VALUE' } });
    expect(analyst.problems).toEqual([]);
  });

  it('shows the decision table and a JSON view that round-trips, in Chinese too', async () => {
    const page = await analyst.open('/rules/allocation');
    await page.locator('button[role=tab]', { hasText: 'JSON' }).click();
    const json = await page.locator('textarea.json-text').inputValue();
    expect(JSON.parse(json).key).toBe('allocation');
    await page.locator('button', { hasText: 'Apply JSON' }).click();
    await page.locator('[role=status]', { hasText: 'The JSON was applied' }).waitFor();
    expect(await page.locator('.badge', { hasText: 'Unsaved changes' }).count()).toBe(1);
    await page.locator('button[role=tab]', { hasText: 'Decision table' }).click();
    await page.locator('.empty-state, table.decision-table').first().waitFor();

    const zh = await harness.browser({ locale: 'zh-CN' });
    const p2 = await zh.open('/rules');
    await signIn(p2, ADMIN.email, ADMIN.password);
    await p2.locator('h1', { hasText: '规则' }).waitFor();
    await p2.locator('table.table a', { hasText: 'order-review' }).click();
    await p2.locator('button[role=tab]', { hasText: '决策表' }).waitFor();
    expect(zh.problems).toEqual([]);
    expect(analyst.problems).toEqual([]);
  });
});
