/**
 * Workflows in Debian's chromium against a real Ordo: an analyst draws a flow in the modeler, sets a
 * service task's handler and a user task's candidate group in the properties panel (lint markers
 * come and go live), exports and re-imports the .bpmn, deploys it; an instance started and advanced
 * through the API then shows its path, its token and its history in the instance view.
 */
import fs from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { ADMIN, adminClient, ApiClient } from '../helpers/server';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { appendFrom, clickElement, eventually, setEntry } from '../helpers/modeler';

const ANALYST = { name: 'Ada Analyst', email: 'ada@test.local', password: 'analyst-pass-2025' };
const KEY = 'e2e-review';

async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.first().waitFor();
  expect(await eventually(async () => (await locator.first().textContent())?.trim(), (v) => v === text)).toBe(text);
}

const count = (locator: Locator, ok: (n: number) => boolean) => eventually(() => locator.count(), ok);

/** Lint issues shown on the canvas for one element (bpmn-js-bpmnlint overlays). */
const lintOverlay = (page: Page, id: string) => page.locator(`[data-testid=canvas] .djs-overlays[data-container-id="${id}"] .bjsl-overlay`);

/** The smallest data a JSON Schema form accepts: each required field filled by its type. */
function sampleData(schema: { properties?: Record<string, { type?: string; enum?: unknown[]; default?: unknown; minimum?: number }>; required?: string[] }): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const p = schema.properties?.[name] ?? {};
    data[name] = p.default ?? p.enum?.[0] ?? (p.type === 'boolean' ? true : p.type === 'number' || p.type === 'integer' ? (p.minimum ?? 1) : p.type === 'array' ? [] : p.type === 'object' ? {} : 'ok');
  }
  return data;
}

describe('workflows end to end (chromium)', () => {
  let harness: DesignerHarness;
  let b: TestBrowser;
  let admin: ApiClient;
  const ids: { start: string; service: string; user: string; end: string } = { start: 'StartEvent_1', service: '', user: '', end: '' };
  let exported = '';

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_workflows');
    admin = await adminClient(harness.ordo);
    const created = await admin.post('/api/users', { ...ANALYST, role: 'analyst' });
    expect(created.status).toBe(201);
    b = await harness.browser();
  });
  afterAll(() => harness?.close());

  it('given an analyst, when they create a new process, then the modeler opens with the Camunda + Ordo properties panel and the bpmn.io logo', async () => {
    const page = await b.open('/login');
    await signIn(page, ANALYST.email, ANALYST.password);
    await page.locator('nav.sidebar a[data-area=workflows]').click();
    await page.getByRole('button', { name: 'New process' }).click();
    await page.getByLabel('Process key').fill(KEY);
    await page.getByLabel('Name').fill('E2E review');
    await page.getByRole('button', { name: 'Open the modeler' }).click();
    await page.locator('[data-testid=canvas] .djs-element[data-element-id=StartEvent_1]').waitFor();
    await expectText(page.locator('.wf-modeler-title h1'), 'E2E review');
    expect(await page.locator('[data-testid=canvas] .bjs-powered-by').isVisible()).toBe(true);
    await expectText(page.locator('[data-testid=properties-panel] .bio-properties-panel-header-type'), 'Process');
    expect(b.problems).toEqual([]);
  });

  it('given the modeler, when the analyst draws start → service task → user task → end, then lint marks the tasks that lack a handler and a form', async () => {
    const page = b.page;
    ids.service = await appendFrom(page, ids.start, 'append.append-task', 'Note the check', 'replace-with-service-task');
    ids.user = await appendFrom(page, ids.service, 'append.append-task', 'Review order', 'replace-with-user-task');
    ids.end = await appendFrom(page, ids.user, 'append.end-event', 'Reviewed');
    expect(await count(lintOverlay(page, ids.service), (n) => n > 0)).toBeGreaterThan(0);
    expect(await count(lintOverlay(page, ids.user), (n) => n > 0)).toBeGreaterThan(0);
    expect(await lintOverlay(page, ids.end).count()).toBe(0);
    await page.locator('[data-tab=problems]').click();
    expect(await count(page.locator(`[data-testid=problems] .wf-issue[data-element-id="${ids.service}"]`), (n) => n > 0)).toBeGreaterThan(0);
    await expectText(page.locator(`[data-testid=problems] .wf-issue[data-element-id="${ids.user}"] span`), 'User task needs a form (camunda:formKey)');
    await expectText(page.locator(`[data-testid=problems] .wf-issue[data-element-id="${ids.user}"] .wf-issue-el`), 'Review order');
    await screenshot(page, 'wf-01-modeler-lint');
    expect(b.problems).toEqual([]);
  });

  it('given the unfinished diagram, when the analyst deploys it, then the server refuses and its errors are painted on the elements', async () => {
    const page = b.page;
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.locator(`[data-testid=canvas] .wf-deploy-badge[data-element-id="${ids.user}"]`).waitFor();
    await page.locator(`[data-testid=canvas] .wf-deploy-badge[data-element-id="${ids.service}"]`).waitFor();
    expect(await page.locator(`[data-testid=canvas] .djs-element.wf-deploy-error[data-element-id="${ids.user}"]`).count()).toBe(1);
    await expectText(page.locator('.banner-error > span').first(), 'Some entries need attention.');
    const refused = page.locator(`[data-testid=problems] .wf-issue[data-element-id="${ids.user}"] span`);
    expect(await refused.allTextContents()).toContain('User task needs a form (camunda:formKey)');
    expect((await admin.get(`/api/workflows/${KEY}/versions`)).status).toBe(404);
    await screenshot(page, 'wf-01b-deploy-refused');
    expect(b.problems).toEqual([]);
  });

  it('given the properties panel, when the handler, the form and the candidate group are set, then the lint markers of both tasks go away', async () => {
    const page = b.page;
    const catalog = await admin.get('/api/workflows/catalog');
    // a built-in handler that needs no inputs
    const handler = 'variables.set';
    expect(catalog.status).toBe(200);
    // a shipped form whose required fields sampleData() can fill
    const form = 'manual-review';
    expect(catalog.body.forms.map((f: { key: string }) => f.key)).toContain(form);
    await clickElement(page, ids.service);
    await page.locator('[data-tab=properties]').click();
    await page.locator('[data-testid=properties-panel] [data-group-id="group-ordo-service"]').waitFor();
    await setEntry(page, 'ordo-handler', handler);
    expect(await count(lintOverlay(page, ids.service), (n) => n === 0)).toBe(0);
    await clickElement(page, ids.user);
    await setEntry(page, 'ordo-formKey', form);
    await setEntry(page, 'ordo-candidateGroups', 'reviewers');
    await setEntry(page, 'ordo-dueDate', 'P2D');
    expect(await count(lintOverlay(page, ids.user), (n) => n === 0)).toBe(0);
    await screenshot(page, 'wf-02-modeler-properties');
    expect(b.problems).toEqual([]);
  });

  it('given the finished diagram, when it is exported and imported again, then the file carries the Camunda attributes and the same elements come back', async () => {
    const page = b.page;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export .bpmn' }).click()]);
    expect(download.suggestedFilename()).toBe(`${KEY}.bpmn`);
    exported = fs.readFileSync((await download.path())!, 'utf8');
    expect(exported).toMatch(new RegExp(`<bpmn:process id="${KEY}" name="E2E review" isExecutable="true">`));
    expect(exported).toMatch(/<camunda:connector>\s*<camunda:connectorId>[\w.-]+<\/camunda:connectorId>\s*<\/camunda:connector>/);
    expect(exported).toContain('camunda:candidateGroups="reviewers"');
    expect(exported).toContain('camunda:dueDate="P2D"');
    await page.locator('[data-testid=import-file]').setInputFiles({ name: 'round-trip.bpmn', mimeType: 'application/xml', buffer: Buffer.from(exported) });
    await expectText(page.locator('.banner-ok > span'), 'round-trip.bpmn is imported. Save a draft or deploy it to keep it.');
    for (const id of Object.values(ids)) await page.locator(`[data-testid=canvas] .djs-element[data-element-id="${id}"]`).waitFor();
    await clickElement(page, ids.user);
    expect(await page.locator('[data-testid=properties-panel] [data-entry-id="ordo-candidateGroups"] input').inputValue()).toBe('reviewers');
    expect(b.problems).toEqual([]);
  });

  it('given the diagram, when the analyst saves a draft, then the process list shows it as a draft that is not deployed', async () => {
    const page = b.page;
    await page.getByRole('button', { name: 'Save draft' }).click();
    await expectText(page.locator('.banner-ok > span'), `Draft of ${KEY} saved in this browser.`);
    await page.waitForURL(`${harness.url}/workflows/processes/${KEY}`);
    await page.locator('.wf-crumb').click();
    const row = page.locator(`[data-testid=process-table] tr[data-key="${KEY}"]`);
    await expectText(row.locator('.badge'), 'Draft, not deployed');
    await screenshot(page, 'wf-03-process-list');
    await row.locator('a').first().click();
    await page.locator(`[data-testid=canvas] .djs-element[data-element-id="${ids.user}"]`).waitFor();
    await page.locator('.wf-modeler-title .badge').waitFor();
    expect(await page.locator('.wf-modeler-title .badge').textContent()).toMatch(/^Draft of /);
    expect(b.problems).toEqual([]);
  });

  it('given the draft, when the analyst deploys it, then version 1 is listed with who deployed it and the server marks are gone', async () => {
    const page = b.page;
    await page.getByRole('button', { name: 'Deploy' }).click();
    await expectText(page.locator('.banner-ok > span'), `${KEY} version 1 is deployed. New instances start on it; running ones stay on their version.`);
    expect(await page.locator('[data-testid=canvas] .wf-deploy-badge').count()).toBe(0);
    await page.locator('[data-tab=versions]').click();
    await expectText(page.locator('[data-testid=versions] li[data-version="1"] .wf-version-no'), 'v1');
    expect(await page.locator('[data-testid=versions] li[data-version="1"] .wf-version-meta').textContent()).toContain(ANALYST.email);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=versions] li[data-version="1"]').getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe(`${KEY}-v1.bpmn`);
    expect(fs.readFileSync((await download.path())!, 'utf8')).toContain('camunda:candidateGroups="reviewers"');
    await screenshot(page, 'wf-05-deployed');
    await page.locator('.wf-crumb').click();
    const row = page.locator(`[data-testid=process-table] tr[data-key="${KEY}"]`);
    await expectText(row.locator('td').nth(2), 'v1');
    await expectText(row.locator('td').nth(3), ANALYST.email);
    expect(b.problems).toEqual([]);
  });

  it('given an instance started and its user task completed through the API, when the analyst opens it, then the diagram shows the whole path taken and the history', async () => {
    const page = b.page;
    const started = await admin.post('/api/instances', { processKey: KEY, businessKey: 'E2E-1', variables: { amount: 120 } });
    expect(started.status).toBe(201);
    expect(started.body.status).toBe('waiting');
    expect(started.body.tokens).toEqual([ids.user]);
    const tasks = await admin.get(`/api/tasks?queue=all&instanceId=${started.body.id}`);
    expect(tasks.status).toBe(200);
    const task = (tasks.body.items ?? tasks.body)[0];
    expect(task.activityId).toBe(ids.user);
    expect(task.candidateGroups).toEqual(['reviewers']);
    expect((await admin.post(`/api/tasks/${task.id}/claim`)).status).toBe(200);
    const detail = await admin.get(`/api/tasks/${task.id}`);
    const done = await admin.post(`/api/tasks/${task.id}/complete`, { data: sampleData(detail.body.form?.schema ?? {}) });
    expect(done.status).toBe(200);
    const finished = await eventually(() => admin.get(`/api/instances/${started.body.id}`), (r) => r.body.status === 'completed');
    expect(finished.body.status).toBe('completed');

    await b.open(`/workflows/instances?process=${KEY}`);
    const listed = page.locator(`[data-testid=instance-table] tr[data-instance-id="${started.body.id}"]`);
    await expectText(listed.locator('td').nth(2), 'E2E-1');
    await expectText(listed.locator('td').nth(3), 'Completed');
    await listed.locator('a').click();
    await page.locator('[data-testid=instance-diagram] .djs-element[data-element-id=StartEvent_1]').waitFor();
    for (const id of Object.values(ids)) {
      expect(await count(page.locator(`[data-testid=instance-diagram] .djs-element.wf-visited[data-element-id="${id}"]`), (n) => n === 1)).toBe(1);
    }
    expect(await page.locator('[data-testid=instance-diagram] .djs-connection.wf-taken').count()).toBe(3);
    expect(await page.locator('[data-testid=instance-diagram] .wf-token-badge').count()).toBe(0);
    await expectText(page.locator('[data-testid=instance-view] .wf-status .badge').first(), 'Completed');
    const types = await page.locator('[data-testid=history] li').evaluateAll((items) => items.map((i) => i.getAttribute('data-type')));
    expect(types).toEqual(expect.arrayContaining(['instance.started', 'task.created', 'task.completed', 'instance.completed']));
    const completedLine = page.locator('[data-testid=history] li[data-type="task.completed"]').first();
    expect(await completedLine.locator('.wf-event-what').textContent()).toBe('Task completed');
    expect(await completedLine.locator('.wf-event-el').textContent()).toBe('Review order');
    await page.locator('[data-tab=variables]').click();
    await expectText(page.locator('[data-testid=variables] tr[data-variable=amount] pre'), '120');
    await screenshot(page, 'wf-06-instance-completed');
    expect(b.problems).toEqual([]);
  });

  it('given an instance waiting at the user task, when the analyst opens it, then the token is marked there; an admin cancels it from the page', async () => {
    const page = b.page;
    const started = await admin.post('/api/instances', { processKey: KEY, businessKey: 'E2E-2' });
    expect(started.status).toBe(201);
    await b.open(`/workflows/instances/${started.body.id}`);
    await page.locator(`[data-testid=instance-diagram] .wf-token-badge[data-element-id="${ids.user}"]`).waitFor();
    expect(await page.locator(`[data-testid=instance-diagram] .djs-element.wf-token[data-element-id="${ids.user}"]`).count()).toBe(1);
    expect(await page.locator(`[data-testid=instance-diagram] .djs-element.wf-visited[data-element-id="${ids.service}"]`).count()).toBe(1);
    expect(await page.locator(`[data-testid=instance-diagram] .djs-element.wf-visited[data-element-id="${ids.end}"]`).count()).toBe(0);
    await expectText(page.locator(`[data-testid=waits] .wf-wait[data-element-id="${ids.user}"]`), 'User task: Review order');
    // the analyst may not operate instances: no cancel button
    expect(await page.getByRole('button', { name: 'Cancel instance' }).count()).toBe(0);
    await screenshot(page, 'wf-07-instance-waiting');

    const adminBrowser = await harness.browser();
    const adminPage = await adminBrowser.open('/login');
    await signIn(adminPage, ADMIN.email, ADMIN.password);
    await adminBrowser.open(`/workflows/instances/${started.body.id}`);
    await adminPage.getByRole('button', { name: 'Cancel instance' }).click();
    await adminPage.getByRole('button', { name: 'Yes, cancel it' }).click();
    await expectText(adminPage.locator('.banner-ok > span'), 'The instance is cancelled.');
    await expectText(adminPage.locator('[data-testid=instance-view] .wf-status .badge').first(), 'Cancelled');
    expect((await admin.get(`/api/instances/${started.body.id}`)).body.status).toBe('cancelled');
    expect(adminBrowser.problems).toEqual([]);
    await adminBrowser.close();
    expect(b.problems).toEqual([]);
  });

  it('given a user reading Simplified Chinese, when the modeler opens, then the palette, the panel and the page speak Chinese', async () => {
    const zh = await harness.browser({ locale: 'zh-CN' });
    const page = await zh.open('/login');
    await signIn(page, ANALYST.email, ANALYST.password);
    await zh.open('/workflows/new?key=zh-check&name=%E5%AE%A1%E6%A0%B8');
    await page.locator('[data-testid=canvas] .djs-element[data-element-id=StartEvent_1]').waitFor();
    expect(await page.locator('.djs-palette .entry[data-action="create.start-event"]').getAttribute('aria-label')).toBe('创建开始事件');
    await expectText(page.locator('[data-testid=properties-panel] [data-group-id="group-general"] .bio-properties-panel-group-header-title'), '常规');
    await expectText(page.locator('.wf-modeler .page-actions .btn-primary'), '部署');
    expect(await eventually(async () => (await page.locator('.bjsl-button span').last().textContent()) ?? '', (v) => /个错误/.test(v))).toMatch(/^\d+ 个错误，\d+ 个警告$/);
    await screenshot(page, 'wf-04-modeler-zh-CN');
    expect(zh.problems).toEqual([]);
    await zh.close();
  });
  it('given an exported .bpmn file, when it is imported from the process list, then the modeler opens on that diagram', async () => {
    const page = await b.open('/workflows');
    await page.locator('[data-testid=list-import-file]').setInputFiles({ name: 'from-list.bpmn', mimeType: 'application/xml', buffer: Buffer.from(exported) });
    await page.waitForURL(`${harness.url}/workflows/new`);
    for (const id of Object.values(ids)) await page.locator(`[data-testid=canvas] .djs-element[data-element-id="${id}"]`).waitFor();
    expect(await page.locator('[data-testid=canvas] .djs-element[data-element-id="StartEvent_1"]').count()).toBe(1);
    await expectText(page.locator('.wf-modeler-title h1'), 'E2E review');
    expect(b.problems).toEqual([]);
  });
});
