/**
 * The stuck-order watchdog page in Debian's chromium: an admin sees a flow whose task nobody has
 * claimed once its limit passes, with the reason in words and links to the order and the
 * instance; within the limit the list is empty; a Chinese browser reads the reason in Chinese.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN, adminClient } from '../helpers/server';
import { DesignerHarness, screenshot, signIn } from '../helpers/browser';

/** waits at an unclaimed user task 'Pack order' for group warehouse (process wd-task) */
const WAITING_FOR_TASK = fs.readFileSync(path.join(__dirname, '../fixtures/bpmn/pack-task.bpmn'), 'utf8');
const KEY = 'SO-2026-910001';

describe('stuck orders page (chromium)', () => {
  let harness: DesignerHarness;

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_stuck');
    const admin = await adminClient(harness.ordo);
    expect((await admin.post('/api/workflows', { xml: WAITING_FOR_TASK })).status).toBe(201);
    expect((await admin.post('/api/instances', { processKey: 'wd-task', businessKey: KEY })).status).toBe(201);
  });
  afterAll(() => harness?.close());

  it('given a flow waiting at an unclaimed task, when its limit has passed, then the admin sees it with the reason and links; within the limit the list is empty', async () => {
    const b = await harness.browser();
    const page = await b.open('/login');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.locator('nav.sidebar a[data-area=workflows]').click();
    await page.locator('[data-tab=stuck]').click();
    await page.locator('[data-testid=stuck-empty], [data-testid=stuck-table]').first().waitFor();
    // the default limit (hours) has not passed for a flow started a moment ago
    expect(await page.locator(`tr[data-business-key="${KEY}"]`).count()).toBe(0);

    await page.locator('select[data-filter=limit]').selectOption('0');
    const row = page.locator(`tr[data-business-key="${KEY}"]`);
    await row.waitFor();
    expect((await row.locator('[data-reason=task-unclaimed]').textContent())?.trim()).toBe('Task "Pack order" not claimed by warehouse');
    expect(page.url()).toMatch(/\/workflows\/stuck\?limit=0$/);
    expect(await row.locator(`a[href="/orders/${KEY}"]`).count()).toBe(1);
    await screenshot(page, 'stuck-01-list');

    await row.locator('a[href^="/workflows/instances/"]').click();
    await page.waitForURL(/\/workflows\/instances\//);
    expect(b.problems).toEqual([]);
  });

  it('given a Chinese browser, then the page and the reason are in Chinese', async () => {
    const b = await harness.browser({ locale: 'zh-CN' });
    const page = await b.open('/login');
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto(`${harness.url}/workflows/stuck?limit=0`);
    const row = page.locator(`tr[data-business-key="${KEY}"]`);
    await row.waitFor();
    expect((await page.locator('#stuck-title').textContent())?.trim()).toBe('停滞订单');
    expect((await row.locator('[data-reason=task-unclaimed]').textContent())?.trim()).toBe('任务“Pack order”尚未被 warehouse 认领');
    expect(b.problems).toEqual([]);
  });
});
