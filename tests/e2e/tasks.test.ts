/**
 * Two operators of the same group in two chromium profiles, on the shipped order-fulfilment flow: a
 * manual-review task appears live in both inboxes, one claims it and the other sees it go, the first
 * completes it with the form (checked in the browser by the server-precompiled validator under the
 * real CSP, then by the server) and the order moves on in its flow; scan to work opens an order's
 * task, typed by a scanner or filmed by a camera (read by the ZXing fallback); the holder delegates
 * a task to a colleague; an operator moved to another group gets the new group's tasks live, without
 * a reload.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ADMIN, ApiClient } from '../helpers/server';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { eventually, operator, placeOrder, taskOf } from '../api/tasks-live.fixtures';
import { barcodeSvg } from '../../workflows/print/symbols';
import { fakeCameraFilming, wedgeScan } from './tasks.fixtures';

const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

const waitFor = (check: () => Promise<boolean>, ms = 15_000) => eventually(async () => ((await check()) ? true : undefined), 'the page', ms);

describe('tasks: two operators, live queues (chromium)', () => {
  let harness: DesignerHarness;
  let admin: ApiClient;
  let ann: TestBrowser;
  let bob: TestBrowser;
  let number: string;
  let zhang: string;

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_tasks');
    admin = await new ApiClient(harness.url).login(ADMIN.email, ADMIN.password);
    await operator(harness.ordo, 'ann@test.local', ['reviewers']);
    await operator(harness.ordo, 'bob@test.local', ['reviewers']);
    // earlier work in the queue, so the inbox is not a single row
    zhang = await placeOrder(admin, { customer: 'Zhang Min', company: 'Hangzhou Gears', chairs: 30 });
    const olivia = await placeOrder(admin, { customer: 'Olivia Chen', company: 'Brightline Ltd', chairs: 12 });
    await taskOf(admin, zhang, 'manualReview');
    await taskOf(admin, olivia, 'manualReview');
    ann = await harness.browser();
    bob = await harness.browser();
  });
  afterAll(() => harness?.close());

  it('given both reviewers in their groups’ queue, when a new review task is created, then it appears in both inboxes without a reload, with its order fields and count', async () => {
    for (const [who, b] of [
      ['ann@test.local', ann],
      ['bob@test.local', bob],
    ] as const) {
      const page = await b.open('/tasks');
      await signIn(page, who, 'operator-pass-1');
      await page.locator('[data-connection=live]').waitFor();
      await page.locator('tr.inbox-row').nth(1).waitFor();
    }
    number = await placeOrder(admin, { customer: 'Li Wei', company: 'Northwind 贸易', chairs: 8 });
    for (const b of [ann, bob]) {
      const row = b.page.locator(`tr[data-order="${number}"]`);
      await row.waitFor({ timeout: 15_000 });
      const cells = await row.locator('td').allInnerTexts();
      expect(cells[1]).toBe(number);
      expect(cells[2]).toMatch(/^Review manually/);
      expect(cells[3]).toBe('Li Wei (Northwind 贸易)');
      expect(cells[4]).toBe('Phone');
      expect(cells[5]).toMatch(/^€/);
      expect(cells[7]).toBe('CHAIR-OAK, LAMP-STEEL');
      expect(cells[8]).toBe('High');
      expect(cells[10]).toBe('Claim');
      expect(await b.page.locator('[data-queue=groups] .count').innerText()).toBe('3');
    }
    await screenshot(ann.page, 'tasks-01-inbox');
    expect(ann.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });

  it('given the inbox, when Ann searches, filters and sorts, then the rows follow; a saved filter comes back after a reload', async () => {
    const page = ann.page;
    await page.getByLabel('Search tasks').fill('zhang');
    await waitFor(async () => (await page.locator('tr.inbox-row').count()) === 1);
    expect(await text(page, 'tr.inbox-row td.cell-customer')).toBe('Zhang Min (Hangzhou Gears)');
    await page.getByLabel('Search tasks').fill('');
    await page.getByRole('button', { name: 'Filters' }).click();
    await page.locator('.filter-bar').getByLabel('Amount from').fill('1000');
    await waitFor(async () => (await page.locator('tr.inbox-row').count()) === 2);
    await page.getByLabel('Filter name').fill('Big orders');
    await page.getByRole('button', { name: 'Save filter' }).click();
    await page.locator('th', { hasText: 'Amount' }).locator('button').click();
    const amounts = await page.locator('tr.inbox-row td.num').allInnerTexts();
    expect(amounts).toHaveLength(2);
    expect(amounts.map((a) => Number(a.replace(/[^\d.]/g, '')))).toEqual([...amounts.map((a) => Number(a.replace(/[^\d.]/g, '')))].sort((x, y) => x - y));
    await screenshot(page, 'tasks-02-filtered');
    await page.reload();
    await page.locator('.saved-select').selectOption('Big orders');
    await waitFor(async () => (await page.locator('tr.inbox-row').count()) === 2);
    await page.getByRole('button', { name: 'Clear' }).click();
    await waitFor(async () => (await page.locator('tr.inbox-row').count()) === 3);
    expect(ann.problems).toEqual([]);
  });

  it('given both see the task, when Ann claims it with the keyboard, then Bob sees who took it and then sees it go, and the counts follow', async () => {
    const row = ann.page.locator(`tr[data-order="${number}"]`);
    await row.locator('td.cell-customer').click();
    await ann.page.keyboard.press('c');
    await ann.page.locator('[data-queue=mine] .count[data-count="1"]').waitFor();

    const bobRow = bob.page.locator(`tr[data-order="${number}"]`);
    await bobRow.locator('.holder-gone', { hasText: 'Taken by ann@test.local' }).waitFor({ timeout: 10_000 });
    await screenshot(bob.page, 'tasks-03-taken-by-ann');
    await bobRow.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await bob.page.locator('[data-queue=groups] .count').innerText()).toBe('2');
    // the server agrees: a claim by Bob now is refused
    const bobApi = await new ApiClient(harness.url).login('bob@test.local', 'operator-pass-1');
    const tasks = await bobApi.get(`/api/inbox/scan/${number}`);
    expect((await bobApi.post(`/api/tasks/${encodeURIComponent(tasks.body.tasks[0].id)}/claim`)).status).toBe(409);
    expect(ann.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });

  it('given Ann opens her task, when she completes it with the form, then the browser checks the form (CSP on), the server saves it and the flow moves on', async () => {
    const page = ann.page;
    await page.locator('[data-queue=mine]').click();
    await page.locator(`tr[data-order="${number}"]`).waitFor();
    await page.locator(`tr[data-order="${number}"] td.cell-customer`).click();
    await page.keyboard.press('Enter');
    await page.locator('.task-form[data-form-key="manual-review"]').waitFor();
    expect(await text(page, '.order-summary h2')).toBe(`Order ${number}`);
    expect(await page.locator('.order-lines tbody tr').count()).toBe(2);
    await page.getByRole('textbox', { name: 'Comment' }).fill('Checked stock with the warehouse.');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.locator('.comment-text', { hasText: 'Checked stock with the warehouse.' }).waitFor();

    // nothing chosen: the precompiled validator refuses in the browser, nothing reaches the server
    const completes: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/complete')) completes.push(r.url());
    });
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.locator('.task-form .text-danger', { hasText: 'Required.' }).waitFor();
    expect(completes).toEqual([]);
    await screenshot(page, 'tasks-04-form-errors');

    await page.locator('.task-form').getByLabel('Yes').check();
    await page.locator('.task-form textarea').fill('Quantities confirmed by phone.');
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.waitForURL(`${harness.url}/tasks?queue=mine`);
    await page.locator('.banner-ok', { hasText: `Review manually for ${number} is completed.` }).waitFor();
    expect(completes).toHaveLength(1);

    // through the API: the review is completed with the data, and the order moves on in its flow to packing
    const done = await admin.get(`/api/tasks?queue=all&status=completed&businessKey=${number}`);
    expect(done.body.items.map((t: { activityId: string; data: unknown }) => [t.activityId, t.data])).toEqual([['manualReview', { approved: true, reviewNote: 'Quantities confirmed by phone.' }]]);
    await taskOf(admin, number, 'pack');
    expect((await admin.get(`/api/orders/${number}`)).body.status).toBe('printed');
    expect(ann.problems).toEqual([]);
  });

  it('given Bob at his inbox, when a scanner types a packing slip’s order number, then that order’s open task opens; a browser without a camera says so', async () => {
    const page = bob.page;
    await wedgeScan(page, zhang);
    await page.locator('.task-form[data-form-key="manual-review"]').waitFor();
    expect(await text(page, '.task-head .order-ref')).toBe(zhang);
    await screenshot(page, 'tasks-05-scanned-task');
    // the order Ann finished has nothing left for a reviewer: the inbox says so
    await page.goto(`${harness.url}/tasks`);
    await page.locator('[data-connection=live]').waitFor();
    await wedgeScan(page, number);
    await page.locator('.banner-error', { hasText: `${number} has no open task you may work on.` }).waitFor();

    // this chromium has no camera device: opening it fails and the panel says what to do instead
    await page.getByRole('button', { name: 'Camera' }).click();
    await page.locator('[data-camera=denied]').waitFor();
    expect(await text(page, '[data-camera]')).toBe('The camera could not be opened (permission refused or no camera). Use a barcode scanner or type the order number.');
    await page.getByRole('dialog', { name: 'Scan with the camera' }).getByRole('button', { name: 'Close' }).click();
    expect(bob.problems).toEqual([]);
  });

  it('given a tablet whose camera films Zhang’s packing slip barcode, when Bob opens the camera in his inbox, then the code is read in the browser and Zhang’s task opens', async () => {
    const film = path.join(os.tmpdir(), `ordo-slip-${process.pid}.mjpeg`);
    const tablet = await harness.browser({ args: await fakeCameraFilming(await bob.page.context().newPage(), barcodeSvg(zhang), film) });
    const page = await tablet.open('/tasks');
    await signIn(page, 'bob@test.local', 'operator-pass-1');
    await page.locator('[data-connection=live]').waitFor();
    // Debian's chromium has no BarcodeDetector: the frames are read by the ZXing fallback
    expect(await page.evaluate('typeof BarcodeDetector')).toBe('undefined');
    await page.getByRole('button', { name: 'Camera' }).click();
    await page.locator('.task-form[data-form-key="manual-review"]').waitFor({ timeout: 30_000 });
    expect(await text(page, '.task-head .order-ref')).toBe(zhang);
    expect(new URL(page.url()).pathname).toMatch(/^\/tasks\/[^/]+$/);
    expect(tablet.problems).toEqual([]);
    await tablet.close();
    fs.rmSync(film, { force: true });
  });

  it('given Bob claims Zhang’s task on its page, when he delegates it to Ann, then it is Ann’s and her task page says Bob delegated it', async () => {
    const page = bob.page;
    await page.goto(`${harness.url}/tasks`);
    await page.locator('[data-connection=live]').waitFor();
    await wedgeScan(page, zhang);
    await page.locator('.task-form[data-form-key="manual-review"]').waitFor();
    const taskUrl = page.url();
    await page.getByRole('button', { name: 'Claim', exact: true }).click();
    await page.locator('.task-head [data-holder="bob@test.local"]').waitFor();
    // an operator has no tasks.assign: the holder's Delegate is what hands it over
    await page.getByRole('button', { name: 'Delegate', exact: true }).click();
    await page.getByLabel('Assign to (e-mail)').fill('ann@test.local');
    await page.getByRole('form', { name: 'Delegate' }).getByRole('button', { name: 'Delegate', exact: true }).click();
    await page.locator('.task-head [data-holder="ann@test.local"]').waitFor();
    await screenshot(page, 'tasks-06-delegated');

    await ann.page.goto(taskUrl);
    await ann.page.locator('[data-owner="bob@test.local"]', { hasText: 'Delegated by bob@test.local' }).waitFor();
    expect(await ann.page.locator('.task-head [data-holder]').getAttribute('data-holder')).toBe('ann@test.local');
    expect(bob.problems).toEqual([]);
    expect(ann.problems).toEqual([]);
  });

  it('given a reviewer who reads Chinese, then the inbox is in Simplified Chinese', async () => {
    const zh = await harness.browser({ locale: 'zh-CN' });
    const page = await zh.open('/tasks');
    await signIn(page, 'bob@test.local', 'operator-pass-1');
    await page.locator('[data-queue=groups]', { hasText: '我的组' }).waitFor();
    await page.locator('tr.inbox-row').first().waitFor();
    expect(await page.locator('th button').first().innerText()).toBe('订单');
    await screenshot(page, 'tasks-06-zh-CN');
    expect(zh.problems).toEqual([]);
  });

  it('given Cara’s inbox open, when an admin moves her from the reviewers to the warehouse, then the page drops its socket, comes back live in the warehouse rooms, and a new pick arrives while a new review does not', async () => {
    await operator(harness.ordo, 'cara@test.local', ['reviewers']);
    const cara = await harness.browser();
    const page = await cara.open('/tasks');
    await signIn(page, 'cara@test.local', 'operator-pass-1');
    await page.locator('[data-connection=live]').waitFor();
    // every state the connection dot shows from now on
    await page.evaluate(`(() => {
      const states = (window.__states = []);
      const dot = document.querySelector('[data-connection]');
      new MutationObserver(() => states.push(dot.getAttribute('data-connection'))).observe(dot, { attributes: true });
    })()`);
    const users = (await admin.get<Array<{ id: string; email: string }>>('/api/users')).body;
    expect((await admin.patch(`/api/users/${users.find((u) => u.email === 'cara@test.local')!.id}`, { groups: ['warehouse'] })).status).toBe(200);
    await waitFor(async () => (await page.evaluate(`window.__states.includes('offline') && window.__states[window.__states.length - 1] === 'live'`)) === true);

    const review = await placeOrder(admin, { customer: 'Wang Fang', chairs: 9 });
    await taskOf(admin, review, 'manualReview');
    expect((await admin.post('/api/instances', { processKey: 'warehouse-pick', businessKey: review })).status).toBe(201);
    await page.locator(`tr[data-order="${review}"]`, { hasText: 'Pick order' }).waitFor();
    // its pick only: the review task of the same order went to the reviewers' rooms, which she left
    expect(await page.locator(`tr[data-order="${review}"]`).count()).toBe(1);
    expect(cara.problems).toEqual([]);
  });
});
