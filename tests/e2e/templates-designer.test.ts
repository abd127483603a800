/**
 * The template designer in Debian's chromium against a real Ordo: an admin builds a packing slip in
 * GrapesJS (a field, the order-lines block, a barcode), previews it, publishes; an operator then
 * batch-prints 50 orders with it and the PDF is read back. The page must stay free of console
 * errors and CSP violations, and no request may leave the machine.
 */
import { ADMIN, ApiClient } from '../helpers/server';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { BinaryClient, decodeBarcodes, insertOrders, makeOrder, pdfPages, pdfText, waitFor } from '../helpers/print';

describe('template designer (chromium)', () => {
  let harness: DesignerHarness;
  let admin: TestBrowser;
  const requests: string[] = [];
  const orders = Array.from({ length: 50 }, (_, i) => makeOrder(300 + i));

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_templates');
    await insertOrders(harness.ordo.connection, orders);
    admin = await harness.browser();
    admin.page.on('request', (r) => requests.push(r.url()));
  }, 240_000);
  afterAll(() => harness?.close());

  it('given an admin, when a packing slip is built from a field, the order-lines block and a barcode, previewed and published, then operators can batch-print 50 orders with it', async () => {
    const page = await admin.open('/templates');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.locator('[data-testid=template-list]').waitFor({ timeout: 15_000 }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\nproblems: ${admin.problems.join('\n')}\nbody: ${(await page.locator('body').innerText()).slice(0, 1500)}`);
    });
    expect(await page.locator('[data-testid=template-list] tbody tr').count()).toBe(3);

    // a new template from the list page
    await page.locator('form.tpl-create input').nth(0).fill('e2e-slip');
    await page.locator('form.tpl-create input').nth(1).fill('E2E packing slip');
    await page.locator('form.tpl-create button[type=submit]').click();
    await page.locator('[data-testid=template-editor]').waitFor();
    const canvas = page.frameLocator('.gjs-frame');
    await canvas.locator('body').waitFor();
    // the canvas is as wide as A4 (210 mm = 793.7 px; GrapesJS animates the width)
    const frameWidth = () => page.locator('.gjs-frame').boundingBox().then((b) => Math.round(b?.width ?? 0));
    expect(await waitFor(frameWidth, (w) => w === 794, 5000)).toBe(794);

    // blocks append on click: the order number field, the order-lines table, a Code128 of the number
    await page.locator('.gjs-block[data-field="order:number"]').click();
    await page.locator('.gjs-block', { hasText: 'Order lines table' }).click();
    await page.locator('.gjs-block', { hasText: 'Barcode (order number)' }).click();
    // the canvas shows sample data and a drawn barcode
    await canvas.locator('text=SO-2026-000123').first().waitFor();
    await canvas.locator('.ordo-barcode svg, [data-ordo-barcode] svg').first().waitFor();
    await page.locator('[data-testid=save-draft]').click();
    await page.locator('.banner-ok').waitFor();
    await screenshot(page, 'templates-editor');

    const draft = await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password).then((c) => c.get('/api/templates/e2e-slip'));
    const html: string = draft.body.draft.compiled.html;
    expect(html).toMatch(/^<div class="ordo-document"><span[^>]*>\{\{number\}\}<\/span><table/);
    expect(html).toContain('<tbody>{{#each lines}}<tr data-each="lines">');
    expect(html).toMatch(/<\/table><div [^>]*class="ordo-barcode">\{\{barcode number "code128"\}\}<\/div><\/div>$/);
    // block styles are plain rules (a device media query would not match the printed page)
    const barcodeId = /<div id="(\w+)" class="ordo-barcode">/.exec(html)?.[1];
    expect(draft.body.draft.compiled.css).toContain(`#${barcodeId}{width:70mm;height:15mm;}`);
    expect(draft.body.draft.compiled.css).not.toContain('@media');

    // preview with a real order, rendered by the server
    await page.locator('[data-testid=preview-order]').fill(orders[0].number);
    await page.locator('[data-testid=preview]').click();
    await page.locator('[data-testid=preview-frame]').waitFor();
    expect(await page.locator('[data-testid=preview-frame]').getAttribute('src')).toMatch(/^blob:/);
    await screenshot(page, 'templates-preview');
    await page.locator('[data-testid=preview-panel] button').click();

    await page.locator('[data-testid=publish]').click();
    await page.locator('[data-testid=versions] li').first().waitFor();
    expect(await page.locator('[data-testid=versions] li').first().textContent()).toMatch(/^v1 · /);

    // the operator batch-prints 50 orders with the published template
    await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password).then((c) => c.post('/api/users', { email: 'op@test.local', name: 'Op', role: 'operator', password: 'operator-password-1' }));
    const operator = await new ApiClient(harness.url).login('op@test.local', 'operator-password-1');
    const started = await operator.post('/api/print/batches', { templateKey: 'e2e-slip', orderIds: orders.map((o) => o.number) });
    expect(started.status).toBe(202);
    const job = await waitFor(
      async () => (await operator.get(`/api/print/jobs/${started.body.id}`)).body,
      (j) => j.status === 'completed' || j.status === 'failed',
    );
    expect(job).toMatchObject({ status: 'completed', failures: [], template: { key: 'e2e-slip', version: 1 } });
    const pdf = (await new BinaryClient(harness.url).login('op@test.local', 'operator-password-1').then((c) => c.bytes('GET', job.downloadUrl))).data;
    expect(pdfPages(pdf)).toBeGreaterThanOrEqual(50);
    const text = pdfText(pdf);
    for (const o of orders) {
      expect(text).toContain(o.number);
      for (const line of o.lines) expect(text).toContain(line.sku);
    }
    expect(decodeBarcodes(pdf, 1)).toContain(`CODE-128:${orders[0].number}`);

    // nothing but Ordo itself was requested (in-page data:/blob: URLs and chromium's own PDF viewer are local);
    // the GrapesJS icon font came from our bundle, not a CDN
    expect(requests.filter((u) => !u.startsWith(harness.url) && !/^(data|blob|about|chrome|chrome-extension):/.test(u))).toEqual([]);
    expect(requests.some((u) => u.startsWith(`${harness.url}/assets/`) && /fontawesome-webfont/.test(u))).toBe(true);
    expect(admin.problems).toEqual([]);
  }, 240_000);
});
