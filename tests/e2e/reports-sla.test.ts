/**
 * The reports page in Debian's chromium: SLA breaches per warehouse and step, as a chart and a
 * table, from the day rollups (seeded through the same index operations the order service writes);
 * English and Traditional Chinese.
 */
import { ADMIN } from '../helpers/server';
import { DesignerHarness, screenshot, signIn } from '../helpers/browser';
import { opsForNewOrder, opsForStatusChange, type IndexedOrder } from '../../server/orders/order-index';
import type { OrderStatus } from '../../workflows/model/order';

const HOUR = 3_600_000;

describe('reports page: SLA breaches per warehouse (chromium)', () => {
  let harness: DesignerHarness;

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_reports_sla');
    const buckets = harness.ordo.orders.buckets;
    const t0 = new Date(Date.now() - 3 * 24 * HOUR);
    const walk = (number: string, steps: Array<[OrderStatus, number, string?]>) => {
      let o: IndexedOrder = { number, createdAt: t0, status: 'received', statusSince: t0, channel: 'email', total: 10, currency: 'EUR', customerName: 'SLA', lines: [{ sku: 'S-1', quantity: 1, lineTotal: 10 }] };
      buckets.applyMany(opsForNewOrder(o));
      let h = 0;
      for (const [status, hours, warehouse] of steps) {
        h += hours;
        const at = new Date(t0.getTime() + h * HOUR);
        const next = { ...o, status, statusSince: at, warehouse: warehouse ?? o.warehouse };
        buckets.applyMany(opsForStatusChange(o, next, at));
        o = next;
      }
    };
    // allocated at WH-NORTH for 6 h (target 4 h), then on to shipped; WH-SOUTH's order sits in printed (target 2 h) until now
    walk('SO-2026-000101', [['in-review', 0.1], ['approved', 0.5], ['approved', 0.1, 'WH-NORTH'], ['allocated', 0.1], ['printed', 6], ['packed', 1], ['shipped', 2]]);
    walk('SO-2026-000102', [['in-review', 0.1], ['approved', 5], ['approved', 0.1, 'WH-SOUTH'], ['allocated', 0.1], ['printed', 1]]);
    await buckets.drain();
  });
  afterAll(() => harness?.close());

  it('given breaches before and after allocation, then the page charts them per warehouse and lists them per warehouse and step', async () => {
    const b = await harness.browser();
    const page = await b.open('/login');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto(`${harness.url}/reports`);
    const section = page.locator('.report-sla-warehouses');
    await section.waitFor();
    expect((await section.locator('h2').textContent())?.trim()).toBe('SLA breaches per warehouse and step');
    const rows: string[][] = [];
    for (const tr of await section.locator('tbody tr').all()) rows.push((await tr.locator('td').allTextContents()).map((t) => t.trim()));
    const head = await section.locator('thead th').allTextContents();
    expect(head).toEqual(['Warehouse', 'In review', 'Allocated', 'Printed', 'Total']);
    expect(rows).toEqual([
      ['WH-NORTH', '0 / 0', '1 / 0', '0 / 0', '1 / 0'],
      ['WH-SOUTH', '0 / 0', '0 / 0', '0 / 1', '0 / 1'],
      ['Not allocated yet', '1 / 0', '0 / 0', '0 / 0', '1 / 0'],
    ]);
    await page.locator('.report-chart', { hasText: 'SLA breaches per warehouse' }).locator('.recharts-bar-rectangle').first().waitFor();
    expect(await page.locator('a[href*="kind=sla-warehouses"]').count()).toBe(1);
    await screenshot(page, 'reports-sla-warehouses');
    expect(b.problems).toEqual([]);
  });

  it('given a Traditional Chinese browser, then the table reads in Chinese', async () => {
    const b = await harness.browser({ locale: 'zh-TW' });
    const page = await b.open('/login');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto(`${harness.url}/reports`);
    const section = page.locator('.report-sla-warehouses');
    await section.waitFor();
    expect((await section.locator('h2').textContent())?.trim()).toBe('依倉庫與步驟的 SLA 逾時');
    expect(await section.locator('tbody tr').last().locator('td').first().textContent()).toBe('尚未分配');
    expect(b.problems).toEqual([]);
  });
});
