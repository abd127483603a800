/**
 * The API reference page in Debian's chromium: rendered from the server's own OpenAPI document
 * under the CSP (no problems), grouped by tag, each operation with its access rule, parameters,
 * request and response schemas and a curl line; the curl line shown for an operation really works
 * when run with an API key; the filter narrows the list; the page chrome speaks Chinese.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { ADMIN, adminClient, type ApiClient } from '../helpers/server';

const run = promisify(execFile);

describe('API reference page (chromium)', () => {
  let harness: DesignerHarness;
  let b: TestBrowser;
  let api: ApiClient;

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_api_docs');
    api = await adminClient(harness.ordo);
    b = await harness.browser();
    await signIn(await b.open('/login'), ADMIN.email, ADMIN.password);
  }, 300_000);
  afterAll(() => harness?.close());

  it('given the Connectors area, when the API tab opens, then every operation of the server is listed by tag with its access rule', async () => {
    const page = await b.open('/connectors');
    await page.getByRole('link', { name: 'API', exact: true }).click();
    await page.waitForURL(/\/connectors\/api$/);
    await page.getByRole('heading', { name: 'API reference' }).waitFor();
    const spec = (await api.get('/api/openapi.json')).body;
    const total = Object.values<Record<string, unknown>>(spec.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(await page.locator('details.apidocs-op').count()).toBe(total);
    expect(await page.getByTestId('op-count').textContent()).toBe(`${total} operations`);
    const tags = await page.locator('section.apidocs-tag').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')));
    expect(tags).toEqual(expect.arrayContaining(['orders', 'tasks', 'connectors', 'templates', 'rules', 'workflows']));
    expect(tags).toEqual([...tags].sort());
    const post = page.locator('section[data-tag="orders"] details[data-method="post"][data-path="/api/orders"]');
    await post.locator('summary').click();
    expect(await post.getByTestId('access').textContent()).toBe('Needs the permission orders.write');
    // the intake body from the order JSON Schema, the success answer from the zod schema; errors as problem+json
    expect(await post.getByTestId('request-body').textContent()).toMatch(/customer.*required.*lines.*required/s);
    expect(await post.getByTestId('responses').locator('[data-status="201"]').textContent()).toMatch(/number.*required/s);
    expect(await post.getByTestId('responses').locator('[data-status="400"]').textContent()).toContain('application/problem+json');
    expect(await post.getByTestId('curl').textContent()).toMatch(/^curl -X POST '.+\/api\/orders' -H "Authorization: Bearer \$ORDO_API_KEY"/);
    const open = page.locator('details[data-path="/api/openapi.json"]');
    await open.locator('summary').click();
    expect(await open.getByTestId('access').textContent()).toBe('Public: no sign-in needed');
    await screenshot(page, 'api-docs');
    expect(b.problems).toEqual([]);
  });

  it('given an operation with parameters, then they are listed, and its curl line works as shown with an API key', async () => {
    const page = b.page;
    const search = page.locator('details[data-method="get"][data-path="/api/orders"]');
    await search.locator('summary').click();
    const names = await search.locator('.apidocs-params tbody tr td:first-child').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['status', 'channel', 'limit', 'cursor']));
    const curl = (await search.getByTestId('curl').textContent())!;
    expect(curl).toBe(`curl '${harness.url}/api/orders' -H "Authorization: Bearer $ORDO_API_KEY"`);
    const key = await api.post('/api/api-keys', { name: 'docs', scopes: ['orders.read'] });
    expect(key.status).toBe(201);
    const { stdout } = await run('bash', ['-c', `${curl} -s -w '\\n%{http_code}'`], { env: { ...process.env, ORDO_API_KEY: key.body.key } });
    const lines = stdout.trim().split('\n');
    expect(lines.pop()).toBe('200');
    expect(JSON.parse(lines.join('\n'))).toHaveProperty('items');
    expect(b.problems).toEqual([]);
  });

  it('given a filter, then only matching operations stay, grouped by their tags', async () => {
    const page = b.page;
    await page.getByRole('searchbox', { name: 'Filter operations' }).fill('tasks.work');
    await page.locator('details[data-method="get"][data-path="/api/orders"]').waitFor({ state: 'detached' });
    const tags = await page.locator('section.apidocs-tag').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')));
    expect(tags.length).toBeGreaterThan(0);
    const permissions = await page.locator('details.apidocs-op').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    expect(permissions).toEqual(expect.arrayContaining(['/api/tasks/{id}/claim', '/api/tasks/{id}/complete']));
    expect(permissions.every((p) => p !== '/api/orders')).toBe(true);
    await page.getByRole('searchbox', { name: 'Filter operations' }).fill('no operation is called like this');
    await page.getByText('No operation matches the filter.').waitFor();
    expect(b.problems).toEqual([]);
  });

  it('given a user reading Simplified or Traditional Chinese, then the page chrome speaks it', async () => {
    for (const [locale, title, filter] of [
      ['zh-CN', 'API 参考', '筛选操作'],
      ['zh-TW', 'API 參考', '篩選操作'],
    ] as const) {
      const zh = await harness.browser({ locale });
      await signIn(await zh.open('/login'), ADMIN.email, ADMIN.password);
      const page = await zh.open('/connectors/api');
      await page.getByRole('heading', { name: title }).waitFor();
      await page.getByRole('searchbox', { name: filter }).waitFor();
      const post = page.locator('details[data-method="post"][data-path="/api/orders"]');
      await post.locator('summary').click();
      expect(await post.getByTestId('access').textContent()).toBe(locale === 'zh-CN' ? '需要权限 orders.write' : '需要權限 orders.write');
      expect(zh.problems).toEqual([]);
      await zh.close();
    }
  });
});
