/**
 * A connector built in the browser, configured as a service task in the modeler, used in the flow
 * an order runs through (chromium, real Ordo, the reference ERP it starts). The admin stores the
 * ERP's API key as a credential, builds a REST connector from the ERP's OpenAPI document with
 * API-key auth and tests an operation (request shown with the key masked). In the modeler the
 * analyst draws start → service task → end, picks the connector's reserveStock operation in the
 * properties panel, which offers the operation's typed inputs (required marks, the schema's
 * descriptions, a JSON text area for the structured one, expressions checked as typed) and its
 * output mapping, fills them and deploys the diagram as the order flow. An order then runs
 * through it: the ERP holds the reservation for the order and the flow's variable holds the ERP's
 * answer, written by the output mapping.
 */
import type { Locator, Page } from 'playwright-core';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { apiOrder } from '../helpers/connectors';
import { appendFrom, clickElement, eventually, setEntry } from '../helpers/modeler';
import { ADMIN, adminClient, type ApiClient } from '../helpers/server';

const CONNECTOR = 'erp-rest';
const OPERATION = `${CONNECTOR}@1.reserveStock`;

const entry = (page: Page, id: string) => page.locator(`[data-testid=properties-panel] [data-entry-id="${id}"]`);

describe('a connector built in the browser runs as a service task, configured in the modeler, of the order flow (chromium)', () => {
  let harness: DesignerHarness;
  let b: TestBrowser;
  let api: ApiClient;
  let erpKey = '';
  const ids = { start: 'StartEvent_1', reserve: '', end: '' };

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_connector_flow');
    api = await adminClient(harness.ordo);
    erpKey = (await harness.ordo.integration.credentials.get('erp'))!.value;
    b = await harness.browser();
    await signIn(await b.open('/login'), ADMIN.email, ADMIN.password);
  }, 300_000);
  afterAll(() => harness?.close());

  it('given the reference ERP’s API key, when the admin stores it as a credential, then it is listed by name only', async () => {
    const page = await b.open('/connectors/credentials');
    const form = page.getByRole('form', { name: 'New credential' });
    await form.getByRole('textbox', { name: 'Name' }).fill('erp-key');
    await form.getByLabel('Value').first().fill(erpKey);
    await form.getByRole('button', { name: 'Save credential' }).click();
    await page.getByTestId('credentials').getByText('erp-key').waitFor();
    expect(await page.content()).not.toContain(erpKey);
    expect(b.problems).toEqual([]);
  });

  it('given the ERP’s OpenAPI document, when the admin builds a REST connector with API-key auth and tests it, then the ERP answers, the key shown masked', async () => {
    const erpUrl = harness.ordo.integration.erpUrl!;
    const page = await b.open('/connectors/new');
    const form = page.locator('.conn-rjsf').first();
    await form.locator('input[id="root_id"]').waitFor();
    const doc = await (await fetch(`${erpUrl}/openapi.json`)).text();
    await page.getByRole('textbox', { name: 'Pre-fill from an OpenAPI 3 document' }).fill(doc);
    await page.getByRole('button', { name: 'Import operations' }).click();
    await page.getByText(/operations? imported/).waitFor();
    await form.locator('input[id="root_id"]').fill(CONNECTOR);
    await form.locator('input[id="root_name"]').fill('ERP over REST');
    await form.locator('input[id="root_baseUrl"]').fill(erpUrl);
    await selectAuthType(form, (await api.get('/api/connectors/rest-schema')).body, 'apiKey');
    await form.locator('input[id="root_auth_name"]').fill('X-Api-Key');
    await form.locator('input[id="root_auth_value"]').fill('{{secrets.erp-key}}');
    // the reference ERP listens on loopback
    await form.locator('#root_allowNetworks input[type=checkbox]').first().check();
    await form.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(new RegExp(`/connectors/c/${CONNECTOR}$`));
    const stored = await harness.ordo.integration.connectors.get(CONNECTOR);
    expect(stored).toMatchObject({ version: 1, kind: 'rest' });
    expect(stored.definition?.auth).toEqual({ type: 'apiKey', in: 'header', name: 'X-Api-Key', value: '{{secrets.erp-key}}' });
    expect(stored.operations.map((o) => o.id)).toEqual(expect.arrayContaining(['reserveStock', 'getCustomerCredit']));

    await page.getByRole('combobox', { name: 'Operation' }).selectOption('getCustomerCredit');
    const input = page.getByTestId('test-input');
    await input.locator('input[id$="id"]').fill('C-1001');
    await input.getByRole('button', { name: 'Run' }).click();
    const result = page.getByTestId('test-result');
    await result.waitFor();
    expect(await result.locator('.conn-ok').textContent()).toMatch(/Succeeded/);
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('"customerId": "C-1001"');
    expect(text).toMatch(/x-api-key: \*\*\*\*/i);
    expect(await page.content()).not.toContain(erpKey);
    expect(b.problems).toEqual([]);
  });

  it('given the modeler, when the analyst draws a service task and picks the connector operation, then the panel offers its typed inputs and output mapping, and the filled task deploys as the order flow', async () => {
    const page = await b.open('/workflows');
    await page.getByRole('button', { name: 'New process' }).click();
    await page.getByLabel('Process key').fill('erp-orders');
    await page.getByLabel('Name').fill('Orders reserved in the ERP');
    await page.getByRole('button', { name: 'Open the modeler' }).click();
    await page.locator('[data-testid=canvas] .djs-element[data-element-id=StartEvent_1]').waitFor();
    ids.reserve = await appendFrom(page, ids.start, 'append.append-task', 'Reserve in the ERP', 'replace-with-service-task');
    ids.end = await appendFrom(page, ids.reserve, 'append.end-event', 'Reserved');

    await clickElement(page, ids.reserve);
    await page.locator('[data-tab=properties]').click();
    const handler = entry(page, 'ordo-handler');
    await handler.locator('select').waitFor();
    expect(await entry(page, 'ordo-input-orderId').count()).toBe(0);
    await setEntry(page, 'ordo-handler', OPERATION);
    expect(await handler.locator('select option:checked').textContent()).toContain(OPERATION);

    // one field per input of the operation's element template: required marks, the schema's description, JSON text for the array
    const orderId = entry(page, 'ordo-input-orderId');
    await orderId.waitFor();
    expect(await orderId.locator('label').first().textContent()).toBe('orderId *');
    expect(await entry(page, 'ordo-input-lines').locator('label').first().textContent()).toBe('lines *');
    expect(await entry(page, 'ordo-input-lines').locator('textarea').count()).toBe(1);
    expect(await entry(page, 'ordo-input-warehouse').locator('label').first().textContent()).toBe('warehouse');
    expect(await entry(page, 'ordo-input-warehouse').textContent()).toContain('omitted = the first that can serve every line');
    // the output mapping starts from the template's default variable
    expect(await entry(page, 'ordo-output').locator('input').inputValue()).toBe('reserveStockResult');

    // an unfinished expression is refused under the field, a required field left empty too
    await setEntry(page, 'ordo-input-orderId', '${variables.orderId');
    await orderId.locator('.bio-properties-panel-error', { hasText: 'Not a valid expression' }).waitFor();
    await setEntry(page, 'ordo-input-orderId', '');
    await orderId.locator('.bio-properties-panel-error', { hasText: 'Required by the operation' }).waitFor();

    await setEntry(page, 'ordo-input-orderId', '${variables.orderId}');
    await setEntry(page, 'ordo-input-lines', '[{"sku": "${variables.order.lines[0].sku}", "quantity": ${variables.order.lines[0].quantity}}]');
    await setEntry(page, 'ordo-output', 'reservation');
    expect(await eventually(() => orderId.locator('.bio-properties-panel-error').count(), (n) => n === 0)).toBe(0);
    const lint = page.locator(`[data-testid=canvas] .djs-overlays[data-container-id="${ids.reserve}"] .bjsl-overlay`);
    expect(await eventually(() => lint.count(), (n) => n === 0)).toBe(0);
    await screenshot(page, 'connector-flow-typed-inputs');

    // the process becomes the order flow: its id is the key orders start
    await page.locator('[data-testid=canvas]').click({ position: { x: 700, y: 450 } });
    await entry(page, 'id').locator('input').waitFor();
    await setEntry(page, 'id', 'order-fulfilment');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.locator('.banner-ok > span', { hasText: /order-fulfilment version \d+ is deployed/ }).waitFor();
    const latest = (await api.get('/api/workflows/order-fulfilment')).body;
    expect(latest.name).toBe('Orders reserved in the ERP');
    const xml = (await api.get(`/api/workflows/order-fulfilment/versions/${latest.version}/xml`)).body as string;
    // written where the engine reads a connector's inputs and outputs: the camunda:connector's inputOutput
    const connector = /<camunda:connector>[\s\S]*<\/camunda:connector>/.exec(xml)?.[0] ?? '';
    expect(connector).toContain(`<camunda:connectorId>${OPERATION}</camunda:connectorId>`);
    expect(connector).toContain('<camunda:inputParameter name="orderId">${variables.orderId}</camunda:inputParameter>');
    expect(connector).toContain('<camunda:outputParameter name="reservation">${result}</camunda:outputParameter>');
    expect(connector).not.toContain('name="warehouse"');
    expect(b.problems).toEqual([]);
  });

  it('given the deployed flow, when an order arrives, then the ERP holds its reservation and the flow’s output mapping holds the ERP’s answer', async () => {
    const created = await api.post('/api/orders', apiOrder('Flow Customer', [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 3, unitPrice: 89 }]));
    expect(created.status).toBe(201);
    const number = created.body.number as string;
    const instanceId = await eventually(async () => (await api.get(`/api/orders/${number}`)).body.flow?.instanceId as string | undefined, Boolean, 30_000);
    expect(instanceId).toBeDefined();
    const instance = await eventually(async () => (await api.get(`/api/instances/${instanceId}`)).body, (i) => i.status === 'completed' || i.status === 'failed', 30_000);
    expect(instance).toMatchObject({ status: 'completed', processKey: 'order-fulfilment' });
    const erp = harness.ordo.integration.referenceErp!.state();
    const held = erp.reservations.filter((r) => r.orderId === number);
    expect(held).toEqual([expect.objectContaining({ warehouse: 'WH-NORTH', lines: [{ sku: 'CHAIR-OAK', quantity: 3 }], status: 'active' })]);
    expect(instance.variables.reservation).toMatchObject({ reservationId: held[0].id, orderId: number, warehouse: 'WH-NORTH', status: 'active' });
    expect(JSON.stringify(instance)).not.toContain(erpKey);
  });
});

/** rjsf renders the auth union as a chooser of unnamed options: pick the one whose schema is `type: <type>`. */
async function selectAuthType(form: Locator, schema: any, type: string): Promise<void> {
  const union: any[] = schema.properties.auth.oneOf ?? schema.properties.auth.anyOf;
  const index = union.findIndex((s) => s.properties?.type?.const === type);
  expect(index).toBeGreaterThan(0);
  const chooser = form.locator('select[id^="root_auth__"][id$="_select"]').first();
  await chooser.selectOption(String(index));
}
