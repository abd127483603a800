/**
 * A warehouse operator in chromium on the shipped warehouse-pick flow: a keyboard-wedge scan of a
 * packing slip's order number confirms that order's pick task; bulk complete of selected pick tasks
 * shows its progress and completes them all; the order-lines grid of the pick form starts with the
 * order's lines, a quantity is edited and the server stores it; boundary timers that escalate a task
 * show up live with a badge and the "escalated" filter, and still after a reload.
 */
import type { Page } from 'playwright-core';
import { ADMIN, ApiClient } from '../helpers/server';
import { DesignerHarness, recordProgress, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { eventually, operator, placeOrder, taskOf } from '../api/tasks-live.fixtures';
import { escalationFlow } from '../api/tasks-escalation.fixtures';
import { wedgeScan } from './tasks.fixtures';

const waitFor = (check: () => Promise<boolean>, what: string, ms = 20_000) => eventually(async () => ((await check()) ? true : undefined), what, ms);
const enc = encodeURIComponent;
const rows = (page: Page) => page.locator('tr.inbox-row');

describe('tasks: scan to confirm, bulk complete, lines grid, escalation (chromium)', () => {
  let harness: DesignerHarness;
  let admin: ApiClient;
  let pia: TestBrowser;
  const orders: string[] = [];
  const picks: Record<string, string> = {};
  // orders above the customer's credit wait in manual review (a reviewer's task), so the packer's queue holds only the picks

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_tasks_bulk');
    admin = await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password);
    await operator(harness.ordo, 'pia@test.local', ['warehouse']);
    for (let i = 0; i < 6; i++) {
      const number = await placeOrder(admin, { customer: `Picker ${i}`, company: `Depot ${i}`, chairs: 10 + i });
      const started = await admin.post('/api/instances', { processKey: 'warehouse-pick', businessKey: number });
      if (started.status !== 201) throw new Error(JSON.stringify(started.body));
      picks[number] = (await taskOf(admin, number, 'pick')).id;
      orders.push(number);
    }
    pia = await harness.browser();
  });
  afterAll(() => harness?.close());

  const taskData = async (number: string) => (await admin.get(`/api/tasks/${enc(picks[number])}`)).body as { status: string; data: unknown; completedBy: { label: string } | null };

  it('given the packer’s inbox with six pick tasks, when a scanner types a packing slip’s order number and Enter (into the scan field or anywhere on the page), then exactly that order’s pick is confirmed', async () => {
    const page = await pia.open('/tasks');
    await signIn(page, 'pia@test.local', 'operator-pass-1');
    await page.locator('[data-connection=live]').waitFor();
    await waitFor(async () => (await rows(page).count()) === 6, 'six pick rows');
    expect(await page.locator('[data-queue=groups] .count').innerText()).toBe('6');

    // a keyboard-wedge scanner types the code into the focused scan field and ends with Enter
    await page.locator('#task-scan').focus();
    await page.keyboard.type(`${orders[0]}\n`, { delay: 4 });
    await page.locator('.banner-ok', { hasText: `${orders[0]}: Pick order confirmed.` }).waitFor();
    await page.locator(`tr[data-order="${orders[0]}"]`).waitFor({ state: 'detached' });
    expect(await taskData(orders[0])).toMatchObject({ status: 'completed', data: {}, completedBy: { label: 'pia@test.local' } });
    // the scanner with no field focused: the inbox tells its burst from typing and confirms that pick too
    await wedgeScan(page, orders[5]);
    await page.locator('.banner-ok', { hasText: `${orders[5]}: Pick order confirmed.` }).waitFor();
    expect((await taskData(orders[5])).status).toBe('completed');
    for (const n of orders.slice(1, 5)) expect((await taskData(n)).status).toBe('open');
    expect(pia.problems).toEqual([]);
  });

  it('given three pick tasks selected, when the packer completes them in bulk, then a progress bar counts to three and all three are completed on the server', async () => {
    const page = pia.page;
    const chosen = orders.slice(1, 4);
    for (const n of chosen) await page.getByLabel(`Select ${n}`).check();
    const button = page.getByRole('button', { name: 'Complete (3)' });
    const progressSeen = await recordProgress(page, '.bulk-progress progress', '.bulk-progress[data-running=false]');
    await button.click();
    await page.locator('.bulk-progress[data-running=false]', { hasText: '3 of 3 done.' }).waitFor();
    await page.locator('.banner-ok', { hasText: '3 tasks completed.' }).waitFor();
    const seen = await progressSeen();
    expect(seen[0]).toBe('0/3');
    expect(seen[seen.length - 1]).toBe('3/3');
    expect([...seen].sort()).toEqual(seen);
    await screenshot(page, 'tasks-bulk-01-progress');
    for (const n of chosen) {
      expect(await taskData(n)).toMatchObject({ status: 'completed', data: {}, completedBy: { label: 'pia@test.local' } });
      await page.locator(`tr[data-order="${n}"]`).waitFor({ state: 'detached' });
    }
    expect(await rows(page).count()).toBe(1);
    expect(pia.problems).toEqual([]);
  });

  it('given the last pick task opened, when the packer edits a picked quantity in the lines grid and completes, then the server stores the edited lines', async () => {
    const page = pia.page;
    const number = orders[4];
    await page.locator(`tr[data-order="${number}"] td.cell-order a`).click();
    await page.locator('.task-page').waitFor();
    await page.getByRole('button', { name: 'Claim' }).click();
    const grid = page.locator('.task-form[data-form-key="pick-confirm"] .lines-grid');
    await grid.waitFor();
    // the grid starts with the order's lines
    expect(await grid.locator('tbody tr').count()).toBe(2);
    expect(await grid.locator('tbody tr').first().locator('.grid-ro').allInnerTexts()).toEqual(['CHAIR-OAK', 'Oak chair']);
    const picked = page.getByLabel('Picked 1', { exact: true });
    expect(await picked.inputValue()).toBe('14');
    expect(await page.getByLabel('Picked 2', { exact: true }).inputValue()).toBe('2');

    // a negative quantity is refused in the browser: nothing goes to the server
    const completes: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/complete')) completes.push(r.url());
    });
    await picked.fill('-1');
    await page.getByRole('button', { name: 'Complete' }).click();
    await grid.locator('.cell-invalid .field-error', { hasText: 'Must be at least 0.' }).waitFor();
    expect(completes).toEqual([]);

    await picked.fill('5');
    await page.locator('.task-form textarea').fill('Two oak chairs damaged, set aside.');
    await screenshot(page, 'tasks-bulk-02-lines-grid');
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.waitForURL(`${harness.url}/tasks?queue=mine`);
    expect(completes).toHaveLength(1);
    expect(await taskData(number)).toMatchObject({
      status: 'completed',
      data: {
        lines: [
          { sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 5 },
          { sku: 'LAMP-STEEL', name: 'Steel desk lamp', quantity: 2 },
        ],
        pickNote: 'Two oak chairs damaged, set aside.',
      },
    });
    expect(pia.problems).toEqual([]);
  });

  it('given tasks whose boundary timers fire, then they show up escalated live (flagged in place, or reassigned), the escalated filter keeps only them, and a reload keeps the badge', async () => {
    const page = pia.page;
    await page.goto(`${harness.url}/tasks`);
    await page.locator('[data-connection=live]').waitFor();
    await waitFor(async () => (await rows(page).count()) === 0, 'an empty queue');
    // an ordinary pick task that will not escalate (its timer is two hours away)
    const calm = await placeOrder(admin, { customer: 'Calm Co', chairs: 20 });
    expect((await admin.post('/api/instances', { processKey: 'warehouse-pick', businessKey: calm })).status).toBe(201);
    await page.locator(`tr[data-order="${calm}"]`).waitFor();

    for (const [key, interrupting] of [
      ['sla-flag-e2e', false],
      ['sla-reassign-e2e', true],
    ] as const) {
      expect((await admin.post('/api/workflows', { xml: escalationFlow(key, interrupting) })).status).toBe(201);
    }
    const flagged = await placeOrder(admin, { customer: 'Late Flag', chairs: 21 });
    const moved = await placeOrder(admin, { customer: 'Late Move', chairs: 22 });
    expect((await admin.post('/api/instances', { processKey: 'sla-flag-e2e', businessKey: flagged })).status).toBe(201);
    expect((await admin.post('/api/instances', { processKey: 'sla-reassign-e2e', businessKey: moved })).status).toBe(201);

    const flaggedRow = page.locator(`tr[data-order="${flagged}"]`);
    await flaggedRow.locator('.badge-escalated[data-escalated=flagged]', { hasText: 'Escalated' }).waitFor({ timeout: 30_000 });
    expect(await flaggedRow.locator('.task-name').innerText()).toBe('Approve refund');
    expect(await flaggedRow.locator('.badge-escalated').getAttribute('title')).toBe('Refund late fired on “Approve refund”: this task is escalated.');
    const movedRow = page.locator(`tr[data-order="${moved}"]`).filter({ hasText: 'Supervise late refund' });
    await movedRow.locator('.badge-escalated[data-escalated=reassigned]').waitFor({ timeout: 30_000 });
    await page.locator('.banner-sla[data-sla=escalated]').first().waitFor();
    expect(await page.locator(`tr[data-order="${calm}"] .badge-escalated`).count()).toBe(0);

    await page.getByRole('button', { name: 'Escalated (2)' }).click();
    await waitFor(async () => (await rows(page).count()) === 2, 'only the two escalated rows');
    expect((await rows(page).locator('.task-name').allInnerTexts()).sort()).toEqual(['Approve refund', 'Supervise late refund']);
    await screenshot(page, 'tasks-bulk-03-escalated');

    await page.reload();
    await page.locator('[data-connection=live]').waitFor();
    await flaggedRow.locator('.badge-escalated').waitFor();
    await movedRow.locator('.badge-escalated').waitFor();
    await page.getByRole('button', { name: 'Filters' }).click();
    await page.locator('.filter-bar').getByLabel('Escalation').selectOption('escalated');
    await waitFor(async () => (await rows(page).count()) === 2, 'the escalated filter');
    expect(pia.problems).toEqual([]);
  });

  it('given a packer who reads Traditional Chinese, then the escalation badge and toggle are in Chinese', async () => {
    const zh = await harness.browser({ locale: 'zh-TW' });
    const page = await zh.open('/tasks');
    await signIn(page, 'pia@test.local', 'operator-pass-1');
    await page.locator('.badge-escalated', { hasText: '已升級' }).first().waitFor();
    await page.getByRole('button', { name: '已升級（2）' }).waitFor();
    expect(zh.problems).toEqual([]);
  });
});
