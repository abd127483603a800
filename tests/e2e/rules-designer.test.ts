/**
 * The rule builder in Debian's chromium against a real Ordo: an analyst builds a review rule with
 * the tree editor (a new rule, a condition found by searching the facts, an operator that fits its
 * type, a typed value, a nested "any of" group, the outcome), runs it against a stored order and sees
 * why it fired, runs the test cases, backtests against stored orders (some of which the new rule
 * changes), publishes; the evaluate API then answers with the new version. The decision table and
 * the JSON view are checked against a rule set that is a table and against one that is not.
 */
import type { Locator, Page } from 'playwright-core';
import { ADMIN, adminClient, type ApiClient } from '../helpers/server';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';

/** orders the reference ERP knows (CHAIR-OAK, LAMP-STEEL), stored through the real intake */
const storedOrder = (ref: string, country: string, chairs: number) => ({
  externalId: ref,
  customer: { id: 'C-1001', name: `Backtest ${ref}`, email: `${ref.toLowerCase()}@example.com` },
  shippingAddress: { line1: '1 Harbour Road', city: country === 'NL' ? 'Rotterdam' : 'Köln', postcode: '3011', country },
  currency: 'EUR',
  lines: [
    { sku: 'CHAIR-OAK', name: 'Oak chair', quantity: chairs, unitPrice: 89 },
    { sku: 'LAMP-STEEL', name: 'Steel desk lamp', quantity: 1, unitPrice: 39.5 },
  ],
});

/** a rule set whose rules are each one "all of" group of plain conditions: a decision table */
const TABULAR = {
  key: 'shipping-class',
  name: 'Shipping class',
  kind: 'other',
  hitPolicy: 'first',
  rules: [
    {
      name: 'heavy-export',
      priority: 20,
      conditions: {
        all: [
          { fact: 'totalQuantity', operator: 'greaterThan', value: 50 },
          { fact: 'order', path: '$.shippingAddress.country', operator: 'notIn', value: ['DE'] },
        ],
      },
      event: { type: 'freight', params: { carrier: 'pallet' } },
    },
    { name: 'small', priority: 10, conditions: { all: [{ fact: 'totalQuantity', operator: 'lessThanInclusive', value: 5 }] }, event: { type: 'parcel', params: {} } },
  ],
  defaultOutcome: { type: 'parcel', params: {} },
  testCases: [],
};

const optionValues = (select: Locator) => select.locator('option').evaluateAll((os) => os.map((o) => o.getAttribute('value') ?? ''));
const leaf = (page: Page, path: string) => page.locator(`.cond-leaf[data-path="${path}"]`);

describe('rule builder end to end (chromium)', () => {
  let harness: DesignerHarness;
  let analyst: TestBrowser;
  let api: ApiClient;
  const bulk: string[] = [];
  let small = '';

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_rules');
    analyst = await harness.browser();
    api = await adminClient(harness.ordo);
    for (const [ref, country, chairs] of [
      ['BT-NL-1', 'NL', 30],
      ['BT-NL-2', 'NL', 25],
      ['BT-DE-1', 'DE', 2],
    ] as const) {
      const res = await api.post('/api/orders', storedOrder(ref, country, chairs));
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      if (country === 'NL') bulk.push(res.body.number);
      else small = res.body.number;
    }
    expect((await api.post('/api/rule-sets', TABULAR)).status).toBe(201);
  });
  afterAll(() => harness?.close());

  it('given the reference rule sets, when an analyst builds a rule, tests, backtests and publishes, then version 2 decides with it', async () => {
    const page = await analyst.open('/rules');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.locator('table.table a', { hasText: 'order-review' }).click();
    await page.locator('li[data-rule="high-value-new-customer"]').waitFor();
    await screenshot(page, 'rules-01-editor');

    // a new rule: the highest priority, so it comes first; the reference set has 9 rules, this is rules.9
    await page.locator('button', { hasText: 'Add rule' }).click();
    const card = page.locator('li[data-rule="rule-10"]');
    await card.waitFor();
    await card.getByLabel('Rule name').fill('bulk-benelux');
    const rule = page.locator('li[data-rule="bulk-benelux"]');
    expect(await page.locator('li.rule-card').first().getAttribute('data-rule')).toBe('bulk-benelux');

    // condition 1: search the facts, take "Units over all lines" (a number), "greater than" 20
    const units = leaf(page, 'rules.9.conditions.all.0');
    const picker = units.locator('input.fact-picker');
    await picker.fill('totalQ');
    const offered = await page.locator(`datalist[id="${await picker.getAttribute('list')}"] option`).evaluateAll((os) => os.map((o) => o.getAttribute('value') ?? ''));
    expect(offered).toContain('totalQuantity');
    await picker.fill('totalQuantity');
    const unitOps = await optionValues(units.getByLabel('Operator'));
    expect(unitOps).toEqual(expect.arrayContaining(['greaterThan', 'between', 'in']));
    expect(unitOps).not.toContain('startsWith');
    expect(unitOps).not.toContain('matches');
    await units.getByLabel('Operator').selectOption('greaterThan');
    await units.locator('input[type=number]').fill('20');

    // condition 2 in a nested "any of" group: the shipping country (text) is one of NL, BE
    await rule.locator('.cond-group[data-path="rules.9.conditions"] > .cond-group-head button', { hasText: 'Add group' }).click();
    await page.locator('.cond-group[data-path="rules.9.conditions.all.1"] > .cond-group-head select').selectOption('any');
    const country = leaf(page, 'rules.9.conditions.all.1.any.0');
    await country.locator('input.fact-picker').fill('order.shippingAddress.country');
    const countryOps = await optionValues(country.getByLabel('Operator'));
    expect(countryOps).toEqual(expect.arrayContaining(['in', 'startsWith', 'matches']));
    expect(countryOps).not.toContain('greaterThan');
    expect(countryOps).not.toContain('between');
    await country.getByLabel('Operator').selectOption('in');
    await country.getByLabel('Value (separate values with commas)').fill('NL, BE');

    // the outcome: manual review, reason BULK
    const then = rule.locator('.rule-then');
    await then.getByLabel('Decision', { exact: true }).fill('manual');
    await then.locator('button', { hasText: 'Add parameter' }).click();
    await then.locator('input[aria-label="Name"]').fill('reason');
    await then.locator('input[aria-label="Value"]').fill('BULK');
    await page.locator('.badge', { hasText: 'Unsaved changes' }).waitFor();
    await page.locator('.badge', { hasText: 'No problems found.' }).waitFor();
    await screenshot(page, 'rules-02-built');

    // the JSON view holds what the tree built
    await page.locator('button[role=tab]', { hasText: 'JSON' }).click();
    const built = JSON.parse(await page.locator('textarea.json-text').inputValue());
    expect(built.rules[9]).toEqual({
      name: 'bulk-benelux',
      priority: expect.any(Number),
      conditions: { all: [{ fact: 'totalQuantity', operator: 'greaterThan', value: 20 }, { any: [{ fact: 'order', path: '$.shippingAddress.country', operator: 'in', value: ['NL', 'BE'] }] }] },
      event: { type: 'manual', params: { reason: 'BULK' } },
    });

    // run it against a stored order (the live facts of today, no fixed ones) and see why it fired
    await page.locator('button[role=tab]', { hasText: 'Test' }).click();
    await page.locator('select[aria-label="Take a stored order"]').selectOption({ label: bulk[0] });
    await page.getByLabel('Fixed fact values (JSON, optional)').fill('{}');
    await page.locator('button', { hasText: 'Run against this order' }).click();
    const fired = page.locator('.explain-rule.matched', { hasText: 'bulk-benelux' });
    await fired.waitFor();
    expect(await fired.locator('.badge', { hasText: 'decides' }).count()).toBe(1);
    const firedText = await fired.textContent();
    expect(firedText).toContain('totalQuantity');
    expect(firedText).toContain('value: 31');
    expect(firedText).toContain('value: "NL"');
    expect(await fired.locator('.explain-true').count()).toBe(4); // all, its condition, any, its condition
    expect(await page.locator('.decision-outcome').textContent()).toContain('"reason": "BULK"');

    await page.locator('button', { hasText: 'Run all test cases' }).click();
    await page.locator('h3', { hasText: '11 of 11 test cases pass' }).waitFor();

    // backtest on the three stored orders, each with its own data: the two Benelux bulk orders change.
    // The facts box is not applied to them (it would say 1 unit and nothing would change) …
    await page.getByLabel('Fixed fact values (JSON, optional)').fill('{"totalQuantity": 1}');
    await page.locator('button', { hasText: 'Backtest' }).click();
    await page.locator('h3', { hasText: '2 of 3 decisions would change, 0 could not be evaluated.' }).waitFor();
    expect(await page.locator('section[aria-label="Backtest"]').textContent()).toContain('its own data');
    const changed = await page.locator('section[aria-label="Backtest"] tbody tr td:first-child').allTextContents();
    expect(changed.sort()).toEqual([...bulk].sort());
    expect(changed).not.toContain(small);
    expect(await page.locator('section[aria-label="Backtest"] tbody').textContent()).toContain('BULK');
    // next to what the flow decided for them at the time (the published version 1 approved them)
    expect(await page.locator('section[aria-label="Backtest"] tbody tr td:nth-child(2)').allTextContents()).toEqual(Array(2).fill('{"decision":"approve","reason":"OK"} (version 1)'));
    expect(await page.getByTestId('backtest-recorded').textContent()).toBe('The flows of 3 of these orders took a decision with this rule set; the draft would decide 2 of them differently.');
    // … unless the analyst asks for that what-if
    await page.getByLabel('Apply the fixed fact values to every order (what-if)').check();
    await page.locator('button', { hasText: 'Backtest' }).click();
    await page.locator('h3', { hasText: '0 of 3 decisions would change, 0 could not be evaluated.' }).waitFor();
    expect(await page.locator('section[aria-label="Backtest"]').textContent()).toContain('fixed fact values above');
    await screenshot(page, 'rules-03-test');

    await page.locator('button', { hasText: 'Save draft' }).click();
    await page.locator('.banner-ok', { hasText: 'Draft saved' }).waitFor();
    await page.locator('button', { hasText: 'Publish' }).click();
    await page.locator('.banner-ok', { hasText: 'Version 2 is published.' }).waitFor();
    await screenshot(page, 'rules-04-published');

    const order = { ...storedOrder('EVAL-1', 'BE', 40), totals: { subtotal: 3599.5, shipping: 0, tax: 0, total: 3599.5 } };
    const res = await api.post('/api/rule-sets/order-review/evaluate', { order });
    expect(res.body).toMatchObject({ ruleSet: { version: 2 }, outcome: { decision: 'manual', reason: 'BULK', rules: ['bulk-benelux'] } });
    const v1 = await api.post('/api/rule-sets/order-review/evaluate', { order, version: 1 });
    expect(v1.body.outcome.reason).not.toBe('BULK');

    // the decisions the flow took for a stored order are on its page, with why
    const detail = await analyst.open(`/orders/${small}`);
    const review = detail.locator('li.timeline-decision', { hasText: 'Decision at review:' });
    await review.waitFor();
    expect(await review.locator('.timeline-message').textContent()).toBe('Decision at review: approve (rule set order-review, version 1)');
    await review.locator('summary', { hasText: 'Why' }).click();
    expect(await review.locator('.explain-rule').count()).toBe(9);
    expect(await review.locator('.explain-rule.matched').count()).toBe(0);
    const highValue = review.locator('.explain-rule', { hasText: 'high-value-new-customer' });
    expect(await highValue.locator('.explain-node.explain-false').first().textContent()).toContain('orderTotal');
    await screenshot(detail, 'rules-05-order-decisions');
    expect(analyst.problems).toEqual([]);
  });

  it('shows a decision table for a tabular rule set and says why a nested one is not; the JSON view and the tree edit the same document, in Chinese too', async () => {
    const page = await analyst.open('/rules/shipping-class');
    await page.locator('button[role=tab]', { hasText: 'Decision table' }).click();
    const table = page.locator('table.decision-table');
    await table.waitFor();
    expect(await table.locator('thead th').allTextContents()).toEqual(['Priority', 'Rule', 'totalQuantity', 'order.shippingAddress.country', 'Outcome']);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      ['20', 'heavy-export', 'greater than 50', 'is not one of DE', 'freight carrier=pallet'],
      ['10', 'small', 'at most 5', '–', 'parcel '],
    ]);

    // JSON → tree: a threshold changed in the JSON shows in the condition editor and in the table
    await page.locator('button[role=tab]', { hasText: 'JSON' }).click();
    const text = page.locator('textarea.json-text');
    const doc = JSON.parse(await text.inputValue());
    expect(doc.key).toBe('shipping-class');
    doc.rules[0].conditions.all[0].value = 80;
    await text.fill(JSON.stringify(doc, null, 2));
    await page.locator('button', { hasText: 'Apply JSON' }).click();
    await page.locator('[role=status]', { hasText: 'The JSON was applied' }).waitFor();
    expect(await page.locator('.badge', { hasText: 'Unsaved changes' }).count()).toBe(1);
    await page.locator('button[role=tab]', { hasText: 'Rules' }).click();
    const threshold = leaf(page, 'rules.0.conditions.all.0').locator('input[type=number]');
    expect(await threshold.inputValue()).toBe('80');
    // tree → JSON: the other way round
    await threshold.fill('75');
    await page.locator('button[role=tab]', { hasText: 'JSON' }).click();
    expect(JSON.parse(await text.inputValue()).rules[0].conditions.all[0].value).toBe(75);
    // JSON that is not a rule set is refused, the editor keeps its document
    await text.fill('{"key": "shipping-class"}');
    await page.locator('button', { hasText: 'Apply JSON' }).click();
    await page.locator('[role=status]', { hasText: 'This is not a rule set' }).waitFor();
    await page.locator('button[role=tab]', { hasText: 'Decision table' }).click();
    expect(await page.locator('table.decision-table tbody tr').first().textContent()).toContain('greater than 75');

    // the reference review set has nested groups: no table, and the page says why
    const nested = await analyst.open('/rules/order-review');
    await nested.locator('button[role=tab]', { hasText: 'Decision table' }).click();
    await nested.locator('p.empty-state', { hasText: 'Use the Rules tab for nested groups.' }).waitFor();
    expect(await nested.locator('table.decision-table').count()).toBe(0);

    const zh = await harness.browser({ locale: 'zh-CN' });
    const p2 = await zh.open('/rules');
    await signIn(p2, ADMIN.email, ADMIN.password);
    await p2.locator('h1', { hasText: '规则' }).waitFor();
    await p2.locator('table.table a', { hasText: 'shipping-class' }).click();
    await p2.locator('button[role=tab]', { hasText: '决策表' }).click();
    await p2.locator('table.decision-table').waitFor();
    const order = await zh.open(`/orders/${small}`);
    await order.locator('li.timeline-decision', { hasText: 'review 的决策：approve（规则集 order-review，版本 1）' }).waitFor();
    expect(zh.problems).toEqual([]);
    expect(analyst.problems).toEqual([]);
  });
});
