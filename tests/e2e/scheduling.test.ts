/**
 * The scheduling board in Debian's chromium: the load of a cell, a move by drag and drop (HTML5),
 * a move through the “Move…” dialog, a refused move listing its failed check, and 简体中文.
 * Orders are allocated through the order flow's own handlers; stock comes from the reference ERP.
 */
import { adminClient, ADMIN } from '../helpers/server';
import { DesignerHarness, screenshot, signIn } from '../helpers/browser';
import { dayFromToday, plannedOrder, recordFlowsOnly } from '../api/scheduling.fixtures';
import { eventually } from '../api/tasks-live.fixtures';
import { opsForStatusChange, type IndexedOrder } from '../../server/orders/order-index';

describe('scheduling board (chromium)', () => {
  let harness: DesignerHarness;
  const n: Record<string, string> = {};
  const d1 = dayFromToday(1);
  const d2 = dayFromToday(2);
  const d3 = dayFromToday(3);
  const d4 = dayFromToday(4);
  const d5 = dayFromToday(5);

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_scheduling');
    recordFlowsOnly(harness.ordo);
    const admin = await adminClient(harness.ordo);
    expect((await admin.put('/api/scheduling/capacity', { warehouses: { 'WH-NORTH': 2, 'WH-SOUTH': 3 }, defaultWarehouse: 10, productionLines: {}, defaultProductionLine: 50 })).status).toBe(200);
    n.anna = await plannedOrder(harness.ordo, admin, { customer: 'Anna North', priority: 'urgent', warehouse: 'WH-NORTH', day: 1, lines: [{ sku: 'CHAIR-OAK', quantity: 2 }] });
    n.bert = await plannedOrder(harness.ordo, admin, { customer: 'Bert North', warehouse: 'WH-NORTH', day: 1, lines: [{ sku: 'LAMP-STEEL', quantity: 1 }, { sku: 'DESK-PINE', quantity: 1 }] });
    // wool rugs: none at WH-NORTH in the reference ERP
    n.rosa = await plannedOrder(harness.ordo, admin, { customer: 'Rosa Rug', warehouse: 'WH-SOUTH', day: 2, lines: [{ sku: 'RUG-WOOL', quantity: 2 }] });
    // a busy day at WH-WEST: ten orders written to the index the way allocation writes them
    const at = new Date();
    for (let i = 1; i <= 10; i++) {
      const o: IndexedOrder = { number: `SO-2026-9000${String(i).padStart(2, '0')}`, createdAt: at, status: 'approved', statusSince: at, channel: 'api', total: 5, currency: 'EUR', customerName: `Busy ${i}`, lines: [{ sku: 'LAMP-STEEL', quantity: 1, lineTotal: 5 }], priority: 'normal' };
      harness.ordo.orders.buckets.applyMany(opsForStatusChange(o, { ...o, status: 'allocated', warehouse: 'WH-WEST', plannedShipDate: d5 }, at));
    }
    await harness.ordo.orders.buckets.drain();
  });
  afterAll(() => harness?.close());

  const cell = (page: import('playwright-core').Page, code: string, date: string) => page.locator(`td.schedule-cell[data-resource="${code}"][data-date="${date}"]`);
  const chip = (page: import('playwright-core').Page, number: string) => page.locator(`.schedule-chip[data-number="${number}"]`);

  it('given allocated orders, when the planner drags one, uses the Move dialog, tries a move the checks refuse and lowers a capacity, then the board follows and the refusal names the failed check', async () => {
    const b = await harness.browser();
    const page = await b.open('/login');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.locator('nav.sidebar a[data-area="scheduling"]').click();
    await page.locator('table.schedule-grid').waitFor();
    expect((await page.locator('h1').textContent())?.trim()).toBe('Scheduling');

    // the load of a cell: two of two orders, capacity kept in Ordo; the production lines' figures come from the connector
    const north = cell(page, 'WH-NORTH', d1);
    expect((await north.locator('.schedule-load-figures').textContent())?.trim()).toBe('2 / 2 orders');
    expect(await north.locator('.schedule-source').textContent()).toBe('Ordo');
    expect(await north.locator('.schedule-chip').evaluateAll((chips) => chips.map((c) => c.getAttribute('data-number')))).toEqual([n.anna, n.bert]);
    expect(await cell(page, 'LINE-A', d1).locator('.schedule-source').textContent()).toBe('Production connector');
    await screenshot(page, 'scheduling-board');

    // a busy day shows its first chips and opens on demand; 10 of the default 10 orders
    const busy = cell(page, 'WH-WEST', d5);
    expect(await busy.locator('.schedule-chip').count()).toBe(4);
    expect((await busy.locator('.schedule-load-figures').textContent())?.trim()).toBe('10 / 10 orders');
    expect(await busy.locator('.schedule-source').textContent()).toBe('Ordo default');
    await busy.getByRole('button', { name: '+6 more' }).click();
    expect(await busy.locator('.schedule-chip').count()).toBe(10);
    await busy.getByRole('button', { name: 'Show fewer' }).click();

    // drag and drop: Anna's order to WH-SOUTH two days later
    await chip(page, n.anna).dragTo(cell(page, 'WH-SOUTH', d3));
    await cell(page, 'WH-SOUTH', d3).locator(`.schedule-chip[data-number="${n.anna}"]`).waitFor();
    await eventually(async () => ((await north.locator('.schedule-load-figures').textContent())?.trim() === '1 / 2 orders' ? true : undefined), 'WH-NORTH reloaded');
    expect(await page.locator('.banner-ok').textContent()).toContain(`Order ${n.anna} moved to WH-SOUTH`);

    // the keyboard way: the Move… dialog
    await chip(page, n.bert).getByRole('button', { name: `Move… ${n.bert}` }).click();
    const dialog = page.getByRole('dialog', { name: `Move order ${n.bert}` });
    await dialog.getByLabel('Warehouse or production line').selectOption('warehouse|WH-SOUTH');
    await dialog.getByLabel('Planned ship date').fill(d4);
    await dialog.getByLabel('Note (optional)').fill('by dialog');
    await dialog.getByRole('button', { name: 'Move', exact: true }).click();
    await cell(page, 'WH-SOUTH', d4).locator(`.schedule-chip[data-number="${n.bert}"]`).waitFor();
    expect(await dialog.count()).toBe(0);
    expect((await cell(page, 'WH-SOUTH', d4).locator('.schedule-load-figures').textContent())?.trim()).toBe('1 / 3 orders');

    // refused: WH-NORTH has no wool rugs
    await chip(page, n.rosa).dragTo(cell(page, 'WH-NORTH', d2));
    const refusal = page.locator('.schedule-refusal');
    await refusal.waitFor();
    expect(await refusal.locator('li').evaluateAll((items) => items.map((i) => i.getAttribute('data-check')))).toEqual(['stock']);
    expect(await refusal.locator('li').first().textContent()).toBe('Stock: WH-NORTH lacks stock: RUG-WOOL 0 of 2');
    expect(await cell(page, 'WH-SOUTH', d2).locator(`.schedule-chip[data-number="${n.rosa}"]`).count()).toBe(1);
    await screenshot(page, 'scheduling-refused');

    // the same refusal in the dialog, which stays open to try another target
    await chip(page, n.rosa).getByRole('button', { name: `Move… ${n.rosa}` }).click();
    const rosaDialog = page.getByRole('dialog', { name: `Move order ${n.rosa}` });
    await rosaDialog.getByLabel('Warehouse or production line').selectOption('warehouse|WH-NORTH');
    await rosaDialog.getByRole('button', { name: 'Move', exact: true }).click();
    await rosaDialog.locator('.schedule-refusal li[data-check="stock"]').waitFor();
    await rosaDialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await rosaDialog.count()).toBe(0);

    // the capacity Ordo keeps, changed on the board
    await page.locator('.schedule-capacity summary').click();
    await page.locator('fieldset[data-group="warehouses"]').getByLabel('WH-NORTH', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Save capacity' }).click();
    await page.locator('.schedule-capacity .banner-ok').waitFor();
    await eventually(async () => ((await north.locator('.schedule-load-figures').textContent())?.trim() === '0 / 1 orders' ? true : undefined), 'WH-NORTH with its new capacity');

    // the order itself: allocation and the planner in its timeline
    const order = (await (await adminClient(harness.ordo)).get(`/api/orders/${n.bert}`)).body;
    expect(order.allocation).toMatchObject({ warehouse: 'WH-SOUTH', plannedShipDate: d4 });
    expect(order.timeline.map((e: { message: string }) => e.message)).toContain(`Moved by ${ADMIN.email} from WH-NORTH/${d1} to WH-SOUTH/${d4}: by dialog`);
    // a chip's number opens the order
    await chip(page, n.bert).getByRole('link', { name: n.bert }).click();
    await page.waitForURL(`${harness.url}/orders/${n.bert}`);
    expect(b.problems).toEqual([]);
  });

  it('given the planner switches to 简体中文, then the board reads in Chinese', async () => {
    const b = await harness.browser();
    const page = await b.open('/login');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.locator('.user-menu-button').click();
    await page.locator('.user-menu-panel select').selectOption({ label: '简体中文' });
    await page.locator('nav.sidebar a[data-area="scheduling"]').click();
    await page.locator('table.schedule-grid').waitFor();
    expect((await page.locator('h1').textContent())?.trim()).toBe('排产');
    expect((await cell(page, 'WH-SOUTH', d3).locator('.schedule-load-figures').textContent())?.trim()).toBe('1 / 3 单');
    expect(await cell(page, 'LINE-A', d1).locator('.schedule-source').textContent()).toBe('生产连接器');
    expect(await page.locator('.schedule-unscheduled h2').textContent()).toBe('已分配但没有计划发货日期');
    await screenshot(page, 'scheduling-zh-CN');
    expect(b.problems).toEqual([]);
  });
});
