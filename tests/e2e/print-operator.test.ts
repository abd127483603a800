/**
 * An operator prints from the orders area in Debian's chromium against a real Ordo: 50 allocated
 * orders selected in the order list are batch-printed with the reference packing slip, the dialog
 * follows the job over socket.io to 100 % and the downloaded PDF is read back (pdftotext, zbarimg);
 * in Chinese, the search itself is printed grouped by carrier; one order is printed from its page
 * and reprinted with a reason that shows in its print history. A viewer sees no print action.
 */
import fs from 'node:fs';
import type { Download, Page } from 'playwright-core';
import { ANONYMOUS } from '../../server/auth/principal';
import type { RunningOrdo } from '../../server/main';
import type { OrderDoc } from '../../server/orders/order.model';
import { rng, sampleInput } from '../../server/orders/sample-orders';
import { ADMIN, ApiClient } from '../helpers/server';
import { DesignerHarness, recordProgress, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { decodeBarcodes, pdfPages, pdfText } from '../helpers/print';

const OPERATOR = { email: 'printer@test.local', password: 'operator-password-1' };
const VIEWER = { email: 'looker@test.local', password: 'viewer-password-1' };
const SEARCH = '/orders?status=allocated&warehouse=WH-PRINT';

/** Allocated orders of warehouse WH-PRINT (carriers EMS and SF Express), stored and indexed as the orders module does. */
async function allocatedOrders(ordo: RunningOrdo, count: number): Promise<OrderDoc[]> {
  const mod = ordo.orders;
  const r = rng(2026);
  const now = Date.now();
  const prepared = Array.from({ length: count }, (_, i) => mod.orders.prepare({ ...sampleInput(i, r), externalId: `PRINT-E2E-${i}` }, { channel: 'api' }));
  const at = prepared.map((_, i) => new Date(now - (count - i) * 60_000));
  const numbers = await mod.orders.allocateNumbers(new Date(now).getUTCFullYear(), count);
  const docs = mod.orders.draftDocs(prepared, { principal: ANONYMOUS, actorLabel: 'e2e' }, numbers, at).map((d, i): OrderDoc => {
    const allocatedAt = new Date(at[i].getTime() + 30_000);
    return {
      ...d,
      status: 'allocated',
      statusSince: allocatedAt,
      currentStep: 'allocated',
      review: { ...d.review, approvedHash: d.review.hash, approvedAt: at[i], outcome: 'approved' },
      allocation: { warehouse: 'WH-PRINT' },
      shipment: { carrier: i % 3 ? 'SF Express' : 'EMS' },
      events: [...d.events, { at: allocatedAt, kind: 'status', status: 'allocated', message: 'Status: allocated', actor: 'flow', public: true }],
      flow: { status: 'started', instanceId: `historical:${d.number}`, attempts: 1, startedAt: at[i] },
    };
  });
  await mod.orders.insertHistorical(docs);
  await mod.rebuildIndex();
  return docs;
}

const readDownload = async (download: Download) => fs.readFileSync((await download.path())!);

async function downloadFrom(page: Page, testId: string): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).first().click()]);
  return readDownload(download);
}

/** Page texts of a PDF, each with the one order whose number it shows. */
function pagesWithOrders(pdf: Buffer, orders: OrderDoc[]): Array<{ text: string; order?: OrderDoc }> {
  return pdfText(pdf)
    .split('\f')
    .filter((text) => text.trim())
    .map((text) => ({ text, order: orders.find((o) => text.includes(o.number)) }));
}

describe('printing from the orders area (chromium)', () => {
  let harness: DesignerHarness;
  let orders: OrderDoc[];
  let op: TestBrowser;

  beforeAll(async () => {
    // two orders per chromium document: a batch of 50 reports its progress 25 times, so it can be followed and cancelled
    harness = await DesignerHarness.start('e2e_print_operator', { PRINT_CHUNK_SIZE: '2' });
    orders = await allocatedOrders(harness.ordo, 50);
    const admin = await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password);
    for (const [u, role] of [
      [OPERATOR, 'operator'],
      [VIEWER, 'viewer'],
    ] as const) {
      const created = await admin.post('/api/users', { email: u.email, name: role, role, password: u.password });
      if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    }
    op = await harness.browser();
  }, 240_000);
  afterAll(() => harness?.close());

  it('given 50 allocated orders, when an operator selects them in the order list and prints them, then the progress reaches 100 % live and the downloaded PDF holds every order number and line and a readable barcode', async () => {
    const page = await op.open(SEARCH);
    await signIn(page, OPERATOR.email, OPERATOR.password);
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
    await page.locator('.orders-table tbody tr').nth(49).waitFor({ timeout: 20_000 });
    expect(await page.locator('.orders-table tbody tr').count()).toBe(50);

    await page.getByTestId('select-all').check();
    expect((await page.getByTestId('print-selected').textContent())?.trim()).toBe('Print selected (50)');
    await page.getByTestId('print-selected').click();
    const dialog = page.getByTestId('batch-dialog');
    expect(await dialog.locator('p').first().textContent()).toBe('50 selected orders, in the order shown.');
    await dialog.getByTestId('print-template').selectOption('packing-slip');
    const started = page.waitForResponse((res) => res.url().endsWith('/api/print/batches') && res.request().method() === 'POST');
    const progressSeen = await recordProgress(page, '[data-testid=batch-progress]', '[data-testid=batch-result]');
    await dialog.getByTestId('batch-start').click();
    const job = (await (await started).json()) as { id: string; progress: { total: number } };
    expect(job.progress.total).toBe(50);

    await dialog.getByTestId('batch-result').waitFor({ timeout: 180_000 });
    expect(await dialog.getByTestId('batch-percent').textContent()).toBe('100 %');
    expect(await dialog.getByTestId('batch-status').getAttribute('data-status')).toBe('completed');
    // the bar moved while the page stayed open: it started below 50 and ended at 50 of 50
    const seen = await progressSeen();
    expect(seen.at(-1)).toBe('50/50');
    expect(Number(seen[0].split('/')[0])).toBeLessThan(50);
    expect([...seen].sort((a, b) => parseInt(a) - parseInt(b))).toEqual(seen);
    // the end came as a progress event of this job on the page's socket (room job:<id>)
    expect(frames.some((f) => f.includes('"progress"') && f.includes(job.id) && f.includes('"completed"'))).toBe(true);
    expect(await dialog.getByTestId('batch-failures').count()).toBe(0);
    await screenshot(page, 'print-batch-done');

    const pdf = await downloadFrom(page, 'batch-download');
    expect(pdfPages(pdf)).toBeGreaterThanOrEqual(50);
    const pages = pagesWithOrders(pdf, orders);
    for (const o of orders) {
      const own = pages.filter((p) => p.order === o).map((p) => p.text).join('\n');
      expect(own).toContain(o.number);
      for (const line of o.lines) {
        expect(own).toContain(line.sku);
        expect(own).toContain(line.name);
      }
    }
    expect(decodeBarcodes(pdf, 1)).toContain(`CODE-128:${pages[0].order?.number}`);
    await dialog.getByTestId('batch-close').click();
    expect(op.problems).toEqual([]);
  }, 240_000);

  it('given the same search in Chinese, when the operator prints the whole search grouped by carrier, then each carrier’s documents come together in the PDF', async () => {
    const zh = await harness.browser({ locale: 'zh-CN' });
    const page = await zh.open(SEARCH);
    await signIn(page, OPERATOR.email, OPERATOR.password);
    await page.locator('.orders-table tbody tr').nth(49).waitFor({ timeout: 20_000 });
    expect((await page.getByTestId('print-search').textContent())?.trim()).toBe('打印本次搜索');
    await page.getByTestId('print-search').click();
    const dialog = page.getByTestId('batch-dialog');
    expect(await dialog.locator('p').first().textContent()).toBe('本次搜索的全部订单（状态：已分配，仓库：WH-PRINT）。');
    await dialog.getByTestId('print-template').selectOption('packing-slip');
    expect(await dialog.getByTestId('batch-group').inputValue()).toBe('carrier');
    await screenshot(page, 'print-search-dialog');
    await dialog.getByTestId('batch-start').click();
    await dialog.getByTestId('batch-result').waitFor({ timeout: 180_000 });
    expect(await dialog.getByTestId('batch-result').locator('p').textContent()).toBe('完成：50 份单据合为一个 PDF，50 页。');

    const pdf = await downloadFrom(page, 'batch-download');
    const carriers = pagesWithOrders(pdf, orders).map((p) => p.order?.shipment?.carrier);
    expect(carriers).toHaveLength(50);
    // one run per carrier: EMS … EMS, SF Express … SF Express (or the other way round)
    expect(carriers.filter((c, i) => i > 0 && c !== carriers[i - 1])).toHaveLength(1);
    expect(zh.problems).toEqual([]);
  }, 240_000);

  it('given one order, when the operator prints it from its page and reprints it with a reason, then the history shows both prints (and the order’s batches) with who, template version, pages and the reason, and a viewer sees no print action', async () => {
    const order = orders[7];
    const page = await op.open(`/orders/${order.number}`);
    await page.getByTestId('print-panel').waitFor();
    await page.getByTestId('print-template').selectOption('packing-slip');
    await page.getByTestId('print-order').click();
    await page.getByTestId('printed-pdf').waitFor({ timeout: 60_000 });
    expect(await page.locator('.banner-ok').textContent()).toMatch(/^Printed with Packing slip.* v1, 1 page\./);
    const history = page.getByTestId('print-history');
    await history.locator('tr[data-kind=single]').waitFor();

    await history.locator('tr[data-kind=single]').getByTestId('reprint').click();
    await page.getByTestId('reprint-reason').fill('Label torn at the packing table');
    await page.getByTestId('reprint-confirm').click();
    const reprint = history.locator('tr[data-kind=reprint]');
    await reprint.waitFor();
    const cells = await reprint.locator('td').allTextContents();
    expect(cells.slice(1, 6)).toEqual([OPERATOR.email, 'Reprint', expect.stringMatching(/^Packing slip.* v1$/), '1', 'Label torn at the packing table']);
    // newest first: the reprint, the print, then the two batches the order was in
    expect(await history.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')))).toEqual(['reprint', 'single', 'batch', 'batch']);

    await screenshot(page, 'print-order-history');
    const pdf = await downloadFrom(page, 'history-download');
    expect(pdfText(pdf)).toContain(order.number);
    expect(op.problems).toEqual([]);

    // a viewer reads the history but has no print, reprint or selection
    const viewer = await harness.browser();
    const vp = await viewer.open(`/orders/${order.number}`);
    await signIn(vp, VIEWER.email, VIEWER.password);
    await vp.getByTestId('print-history').locator('tbody tr').nth(1).waitFor();
    expect(await vp.getByTestId('print-order').count()).toBe(0);
    expect(await vp.getByTestId('reprint').count()).toBe(0);
    expect(await vp.getByTestId('history-download').count()).toBe(4);
    await viewer.open(SEARCH);
    await vp.locator('.orders-table tbody tr').first().waitFor();
    expect(await vp.getByTestId('select-all').count()).toBe(0);
    expect(await vp.getByTestId('print-selected').count()).toBe(0);
    expect(viewer.problems).toEqual([]);
  }, 240_000);

  it('given a running batch, when the operator clicks Cancel, then the dialog says it was cancelled, offers no PDF, and the job stopped short of the end', async () => {
    const page = await op.open(SEARCH);
    await page.locator('.orders-table tbody tr').nth(49).waitFor({ timeout: 20_000 });
    await page.getByTestId('select-all').check();
    await page.getByTestId('print-selected').click();
    const dialog = page.getByTestId('batch-dialog');
    await dialog.getByTestId('print-template').selectOption('packing-slip');
    await dialog.getByTestId('batch-start').click();
    // cancel once the bar shows the first documents done
    await dialog.getByTestId('batch-status').locator('.muted', { hasText: /^[1-9]\d* of 50 documents$/ }).waitFor();
    await dialog.getByTestId('batch-cancel').click();
    await dialog.getByTestId('batch-result').waitFor({ timeout: 60_000 });
    expect(await dialog.getByTestId('batch-status').getAttribute('data-status')).toBe('cancelled');
    expect(await dialog.getByTestId('batch-result').locator('p').textContent()).toBe('Printing was cancelled.');
    expect(await dialog.getByTestId('batch-download').count()).toBe(0);
    // "n of 50 documents": stopped between chunks
    expect(parseInt((await dialog.getByTestId('batch-status').locator('.muted').first().textContent()) ?? '')).toBeLessThan(50);
    expect(op.problems).toEqual([]);
  }, 240_000);
});
