/**
 * A connector built in the browser, used in a flow an order runs through (chromium, real Ordo, a
 * real HTTP server started here playing the warehouse system). The admin stores the system's API
 * key as a credential, builds a REST connector from the system's OpenAPI document with API-key
 * auth, tests the operation (request shown with the key masked), imports a BPMN whose service
 * task calls the connector into the modeler (the properties panel offers the operation with its
 * typed inputs) and deploys it as the order flow. An order then runs through it: the warehouse
 * system sees the reservation with the key, and the order moves on to allocated with the
 * warehouse the system answered.
 */
import type { Locator } from 'playwright-core';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { json, startRemote, type Remote } from '../helpers/connectors';
import { ADMIN, adminClient, type ApiClient } from '../helpers/server';

const API_KEY = 'wms-key-7f3a9c1e5b';

/** Polls until `ok` holds (or the time is up) and returns the last value, for the caller's expect. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeout = 30_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const openApiOf = (url: string) => ({
  openapi: '3.0.3',
  info: { title: 'Warehouse system', version: '1' },
  servers: [{ url }],
  paths: {
    '/reservations': {
      post: {
        operationId: 'reserveStock',
        summary: 'Reserve stock for an order',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['orderNumber', 'sku', 'quantity'], properties: { orderNumber: { type: 'string' }, sku: { type: 'string' }, quantity: { type: 'integer' } } },
            },
          },
        },
        responses: { '201': { description: 'Reserved' } },
      },
    },
  },
});

interface Step {
  id: string;
  name: string;
  connectorId: string;
  inputs: Record<string, string>;
  attrs?: string;
}

/** A straight-line process start → steps → end, with its diagram (bpmn-js needs the shapes to paint it). */
function linearFlow(key: string, name: string, steps: Step[]): string {
  const ids = ['start', ...steps.map((st) => st.id), 'end'];
  const flow = (i: number) => `f${i + 1}`;
  const tasks = steps.map((st, i) => {
    const inputs = Object.entries(st.inputs).map(([n, v]) => `<camunda:inputParameter name="${n}">${v}</camunda:inputParameter>`).join('');
    return `<bpmn:serviceTask id="${st.id}" name="${st.name}"${st.attrs ? ` ${st.attrs}` : ''}><bpmn:extensionElements><camunda:connector><camunda:connectorId>${st.connectorId}</camunda:connectorId><camunda:inputOutput>${inputs}</camunda:inputOutput></camunda:connector></bpmn:extensionElements><bpmn:incoming>${flow(i)}</bpmn:incoming><bpmn:outgoing>${flow(i + 1)}</bpmn:outgoing></bpmn:serviceTask>`;
  });
  const flows = ids.slice(1).map((to, i) => `<bpmn:sequenceFlow id="${flow(i)}" sourceRef="${ids[i]}" targetRef="${to}" />`);
  const x = (i: number) => 100 + i * 140;
  const shapes = ids.map((id, i) => {
    const event = i === 0 || i === ids.length - 1;
    return `<bpmndi:BPMNShape id="s_${id}" bpmnElement="${id}"><dc:Bounds x="${x(i)}" y="${event ? 100 : 78}" width="${event ? 36 : 100}" height="${event ? 36 : 80}" /></bpmndi:BPMNShape>`;
  });
  const edges = ids.slice(1).map((_, i) => `<bpmndi:BPMNEdge id="e_${flow(i)}" bpmnElement="${flow(i)}"><di:waypoint x="${x(i) + (i === 0 ? 36 : 100)}" y="118" /><di:waypoint x="${x(i + 1)}" y="118" /></bpmndi:BPMNEdge>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:ordo="http://ordo.dev/schema/bpmn/1.0" id="Definitions_${key}" targetNamespace="http://ordo.dev/processes">
  <bpmn:process id="${key}" name="${name}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    ${tasks.join('\n    ')}
    <bpmn:endEvent id="end"><bpmn:incoming>${flow(steps.length)}</bpmn:incoming></bpmn:endEvent>
    ${flows.join('\n    ')}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d1"><bpmndi:BPMNPlane id="p1" bpmnElement="${key}">
    ${[...shapes, ...edges].join('\n    ')}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

const setStatus = (status: string): Step => ({ id: status, name: status[0].toUpperCase() + status.slice(1), connectorId: 'order.setStatus', inputs: { status } });

/** The order flow: received → reserve in the warehouse system (the connector) → approved → allocated there. */
const flowXml = (connectorId: string) =>
  linearFlow('order-fulfilment', 'Order fulfilment through the warehouse system', [
    setStatus('received'),
    {
      id: 'reserve',
      name: 'Reserve in the warehouse system',
      connectorId,
      attrs: 'ordo:outputVariable="reservation" ordo:retries="3"',
      inputs: { orderNumber: '${variables.orderId}', sku: '${variables.order.lines[0].sku}', quantity: '${variables.order.lines[0].quantity}' },
    },
    setStatus('approved'),
    { id: 'recordAllocation', name: 'Record allocation', connectorId: 'order.setAllocation', inputs: { warehouse: '${variables.reservation.warehouse}' } },
    setStatus('allocated'),
  ]);

describe('a connector built in the browser runs as a service task of the order flow (chromium)', () => {
  let harness: DesignerHarness;
  let b: TestBrowser;
  let api: ApiClient;
  let wms: Remote;
  const reservations = () => wms.seen.filter((r) => r.method === 'POST' && r.url === '/reservations');

  beforeAll(async () => {
    wms = await startRemote((req, res) => {
      if (req.method === 'GET' && req.url === '/openapi.json') return json(res, 200, openApiOf(wms.url));
      if (req.headers['x-api-key'] !== API_KEY) return json(res, 401, { error: 'bad key' });
      if (req.method === 'POST' && req.url === '/reservations') {
        const body = JSON.parse(req.body) as { orderNumber: string; sku: string; quantity: number };
        return json(res, 201, { reservationId: `R-${reservations().length}`, warehouse: 'WH-EAST', ...body });
      }
      json(res, 404, { error: 'not found' });
    });
    harness = await DesignerHarness.start('e2e_connector_flow');
    api = await adminClient(harness.ordo);
    b = await harness.browser();
    await signIn(await b.open('/login'), ADMIN.email, ADMIN.password);
  }, 300_000);
  afterAll(async () => {
    await harness?.close();
    await wms?.close();
  });

  it('given the warehouse system’s API key, when the admin stores it as a credential, then it is listed by name only', async () => {
    const page = await b.open('/connectors/credentials');
    const form = page.getByRole('form', { name: 'New credential' });
    await form.getByRole('textbox', { name: 'Name' }).fill('wms-key');
    await form.getByLabel('Value').first().fill(API_KEY);
    await form.getByRole('button', { name: 'Save credential' }).click();
    await page.getByTestId('credentials').getByText('wms-key').waitFor();
    expect(await page.content()).not.toContain(API_KEY);
    expect(b.problems).toEqual([]);
  });

  it('given the system’s OpenAPI document, when the admin builds a REST connector with API-key auth and tests it, then the call reaches the system with the key, shown masked', async () => {
    const page = await b.open('/connectors/new');
    const form = page.locator('.conn-rjsf').first();
    await form.locator('input[id="root_id"]').waitFor();
    const doc = await (await fetch(`${wms.url}/openapi.json`)).text();
    await page.getByRole('textbox', { name: 'Pre-fill from an OpenAPI 3 document' }).fill(doc);
    await page.getByRole('button', { name: 'Import operations' }).click();
    await page.getByText(/operations? imported/).waitFor();
    await form.locator('input[id="root_id"]').fill('wms');
    await form.locator('input[id="root_name"]').fill('Warehouse system');
    expect(await form.locator('input[id="root_baseUrl"]').inputValue()).toBe(wms.url);
    // authentication: an API key in a header, referencing the credential
    await selectAuthType(form, (await api.get('/api/connectors/rest-schema')).body, 'apiKey');
    await form.locator('input[id="root_auth_name"]').fill('x-api-key');
    await form.locator('input[id="root_auth_value"]').fill('{{secrets.wms-key}}');
    await form.locator('#root_allowNetworks input[type=checkbox]').first().check();
    await form.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/connectors\/c\/wms$/);
    const stored = await harness.ordo.integration.connectors.get('wms');
    expect(stored).toMatchObject({ version: 1, kind: 'rest' });
    expect(stored.definition?.auth).toEqual({ type: 'apiKey', in: 'header', name: 'x-api-key', value: '{{secrets.wms-key}}' });
    expect(stored.operations.map((o) => o.id)).toEqual(['reserveStock']);

    // test this operation from the connector page
    await page.getByRole('combobox', { name: 'Operation' }).selectOption('reserveStock');
    const input = page.getByTestId('test-input');
    await input.locator('input[id$="orderNumber"]').fill('TEST-0');
    await input.locator('input[id$="sku"]').fill('SKU-TEST');
    await input.locator('input[id$="quantity"]').fill('1');
    await input.getByRole('button', { name: 'Run' }).click();
    const result = page.getByTestId('test-result');
    await result.waitFor();
    expect(await result.locator('.conn-ok').textContent()).toMatch(/Succeeded/);
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('WH-EAST');
    expect(text).toMatch(/x-api-key: \*\*\*\*/);
    expect(await page.content()).not.toContain(API_KEY);
    expect(reservations().map((r) => [r.headers['x-api-key'], JSON.parse(r.body)])).toEqual([[API_KEY, { orderNumber: 'TEST-0', sku: 'SKU-TEST', quantity: 1 }]]);
    expect(b.problems).toEqual([]);
  });

  it('given a diagram calling the connector, when the analyst imports it into the modeler, then the panel offers the operation with its inputs, and it deploys as the order flow', async () => {
    const page = await b.open('/workflows/new');
    await page.locator('[data-testid=canvas] .djs-element').first().waitFor();
    await page.locator('[data-testid=import-file]').setInputFiles({ name: 'wms-flow.bpmn', mimeType: 'application/xml', buffer: Buffer.from(flowXml('wms@1.reserveStock')) });
    await page.locator('.banner-ok > span', { hasText: 'wms-flow.bpmn is imported' }).waitFor();
    const task = page.locator('[data-testid=canvas] .djs-element[data-element-id="reserve"]');
    await task.waitFor();
    await task.click();
    await page.locator('[data-tab=properties]').click();
    const handler = page.locator('[data-testid=properties-panel] [data-entry-id="ordo-handler"]');
    await handler.locator('select').waitFor();
    // the REST operation (pinned to version 1, as its element template) is one of the handlers the server lists, not an unknown value kept as typed
    const chosen = await handler.locator('select option:checked').textContent();
    expect(chosen).toContain('wms@1.reserveStock');
    expect(chosen).not.toMatch(/not found|unknown/i);
    expect(await handler.textContent()).toMatch(/orderNumber, sku, quantity/);
    const lint = page.locator('[data-testid=canvas] .djs-overlays[data-container-id="reserve"] .bjsl-overlay');
    expect(await lint.count() ? await lint.evaluateAll((els) => els.map((e) => e.textContent + ' ' + e.innerHTML)) : []).toEqual([]);
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.locator('.banner-ok > span', { hasText: /order-fulfilment version \d+ is deployed/ }).waitFor();
    await screenshot(page, 'connector-flow-deployed');
    const latest = (await api.get('/api/workflows/order-fulfilment')).body;
    expect(latest.name).toBe('Order fulfilment through the warehouse system');
    expect(latest.elements.reserve).toBeDefined();
    expect(b.problems).toEqual([]);
  });

  it('given the deployed flow, when an order arrives, then the warehouse system sees the reservation with the key and the order moves on to allocated there', async () => {
    const before = reservations().length;
    const created = await api.post('/api/orders', {
      channel: 'api',
      customer: { name: 'Flow Customer', email: 'flow@example.com' },
      shippingAddress: { line1: '5 Flow Road', city: 'Gent', postcode: '9000', country: 'BE' },
      currency: 'EUR',
      lines: [{ sku: 'WIDGET-9', name: 'Widget', quantity: 3, unitPrice: 12 }],
    });
    expect(created.status).toBe(201);
    const number = created.body.number as string;
    const order = await eventually(
      async () => (await api.get(`/api/orders/${number}`)).body,
      (o) => o.status === 'allocated',
    );
    expect(order).toMatchObject({ status: 'allocated', allocation: { warehouse: 'WH-EAST' } });
    const calls = reservations().slice(before);
    expect(calls.map((r) => [r.headers['x-api-key'], JSON.parse(r.body)])).toEqual([[API_KEY, { orderNumber: number, sku: 'WIDGET-9', quantity: 3 }]]);

    // the order page shows where it went
    const page = await b.open(`/orders/${number}`);
    await page.getByText('WH-EAST').first().waitFor();
    await page.getByText(/Allocated/).first().waitFor();
    await screenshot(page, 'connector-flow-order');
    expect(await page.content()).not.toContain(API_KEY);
    expect(b.problems).toEqual([]);
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
