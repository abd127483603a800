/**
 * The Connectors page in Debian's chromium against a real Ordo and the reference ERP: the list,
 * "test this operation" with a form generated from the operation's schema (the request shown with
 * the API key masked), the REST builder's form generated from the connector schema with the
 * server's field errors under the fields, and credentials written once and listed by name only.
 * The page ends free of console errors and CSP violations.
 */
import { DesignerHarness, signIn, type TestBrowser } from '../helpers/browser';
import { ADMIN } from '../helpers/server';

describe('Connectors page (chromium)', () => {
  let harness: DesignerHarness;
  let admin: TestBrowser;
  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_connectors');
    admin = await harness.browser();
    await signIn(await admin.open('/login'), ADMIN.email, ADMIN.password);
  }, 300_000);
  afterAll(() => harness?.close());

  it('lists the connectors and tests an operation of the finance connector against the reference ERP, secret masked', async () => {
    const page = await admin.open('/connectors');
    await page.locator('[data-connector="finance"]').waitFor();
    await page.locator('[data-connector="finance"] h3 a').click();
    await page.getByRole('combobox', { name: 'Operation' }).selectOption('getCredit');
    const input = page.getByTestId('test-input');
    await input.locator('input[id$="customerId"]').fill('C-1001');
    await input.locator('input[id$="amount"]').fill('1200');
    await input.getByRole('button', { name: 'Run' }).click();
    const result = page.getByTestId('test-result');
    await result.waitFor();
    expect(await result.locator('.conn-ok').textContent()).toMatch(/Succeeded/);
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('"sufficient": true');
    expect(text).toMatch(/x-api-key: \*\*\*\*/);
    const erpKey = (await harness.ordo.integration.credentials.get('erp'))!.value;
    expect(await page.content()).not.toContain(erpKey);
  });

  it('builds a REST connector from the generated form: server field errors show under the fields, then it saves as version 1', async () => {
    const page = await admin.open('/connectors/new');
    const form = page.locator('.conn-rjsf').first();
    await form.locator('input[id="root_id"]').waitFor();
    await form.locator('input[id="root_id"]').fill('Bad Id');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('.banner-error').first().waitFor();
    expect(await form.locator('.error-detail').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/lower-case/)]));

    const doc = await (await fetch(`${harness.ordo.integration.erpUrl}/openapi.json`)).text();
    await page.getByRole('textbox', { name: 'Pre-fill from an OpenAPI 3 document' }).fill(doc);
    await page.getByRole('button', { name: 'Import operations' }).click();
    await page.getByText(/operations imported/).waitFor();
    await form.locator('input[id="root_id"]').fill('erp-ui');
    await form.locator('input[id="root_name"]').fill('ERP from the builder');
    await form.locator('input[id="root_baseUrl"]').fill(harness.ordo.integration.erpUrl!);
    await form.getByRole('button', { name: 'Save' }).click();
    // the reference ERP listens on loopback: refused until the admin allows that network class
    await form.locator('.error-detail', { hasText: 'loopback' }).waitFor();
    await form.locator('#root_allowNetworks input[type=checkbox][value="0"], #root_allowNetworks input[type=checkbox]').first().check();
    await form.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/connectors\/c\/erp-ui$/);
    await page.getByText('ERP from the builder').first().waitFor();
    const stored = await harness.ordo.integration.connectors.get('erp-ui');
    expect(stored.version).toBe(1);
    expect(stored.operations.map((o) => o.id)).toEqual(expect.arrayContaining(['getStock', 'reserveStock', 'createInvoice']));
  });

  it('stores a credential whose value is never shown again', async () => {
    const page = await admin.open('/connectors/credentials');
    const form = page.getByRole('form', { name: 'New credential' });
    await form.getByRole('textbox', { name: 'Name' }).fill('shop-token');
    await form.getByLabel('Value').first().fill('shop-token-value-9c8b7a');
    await form.getByRole('button', { name: 'Save credential' }).click();
    await page.getByTestId('credentials').getByText('shop-token').waitFor();
    expect(await page.content()).not.toContain('shop-token-value-9c8b7a');
    expect(admin.problems).toEqual([]);
  });
});
