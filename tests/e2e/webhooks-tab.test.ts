/**
 * The Webhooks tab of the Connectors page in Debian's chromium against a real Ordo (its delivery
 * worker running) and a real receiver on loopback: the admin subscribes the receiver to
 * order.created (the signing secret shown once), an order is created, the delivery shows in the
 * log with the receiver's answer, and "Send again" delivers the same event once more, signed with
 * the secret the page showed. An inbound endpoint added in the tab moves a waiting flow when the
 * warehouse calls it signed with the secret shown once; a new secret retires the old; paused is 404.
 */
import { signPayload } from '../../server/integration/signature';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { apiOrder, AWAIT_SHIPMENT_FLOW, json, startRemote, type Remote } from '../helpers/connectors';
import { eventually } from '../helpers/modeler';
import { ADMIN, adminClient, type ApiClient } from '../helpers/server';

describe('Webhooks tab (chromium)', () => {
  let harness: DesignerHarness;
  let b: TestBrowser;
  let api: ApiClient;
  let receiver: Remote;
  let secret = '';
  let orderNumber = '';
  const deliveries = () => receiver.seen.filter((r) => r.method === 'POST');

  beforeAll(async () => {
    receiver = await startRemote((req, res) => json(res, 200, { received: req.headers['x-ordo-delivery'] }));
    harness = await DesignerHarness.start('e2e_webhooks_tab');
    api = await adminClient(harness.ordo);
    b = await harness.browser();
    await signIn(await b.open('/login'), ADMIN.email, ADMIN.password);
  }, 300_000);
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  it('given a receiver on loopback, when the admin subscribes it to order.created, then the signing secret is shown once and the subscription is listed', async () => {
    const page = await b.open('/connectors/webhooks');
    const form = page.getByRole('form', { name: 'Subscribe' });
    await form.getByLabel('Name').fill('Warehouse feed');
    await form.getByLabel('URL').fill(`${receiver.url}/hooks/orders`);
    await form.getByLabel('order.created').check();
    await form.getByLabel('Loopback').check();
    await form.getByRole('button', { name: 'Subscribe' }).click();
    secret = ((await form.locator('.secret-value').textContent()) ?? '').trim();
    expect(secret.length).toBeGreaterThan(20);
    const row = page.getByTestId('subscriptions').locator('tr', { hasText: 'Warehouse feed' });
    await row.waitFor();
    expect(await row.textContent()).toContain(`${receiver.url}/hooks/orders`);
    // shown once: not on the page once it is opened again
    await b.open('/connectors/webhooks');
    await page.getByTestId('subscriptions').locator('tr', { hasText: 'Warehouse feed' }).waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(b.problems).toEqual([]);
  });

  it('given the subscription, when an order is created, then the delivery is logged with the receiver’s answer, and “Send again” delivers the same event once more', async () => {
    const created = await api.post('/api/orders', apiOrder('Hook Customer', [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 1, unitPrice: 89 }]));
    expect(created.status).toBe(201);
    orderNumber = created.body.number;
    expect(await eventually(async () => deliveries().length, (n) => n >= 1, 30_000)).toBe(1);
    const first = deliveries()[0];
    expect(first.headers['x-ordo-signature']).toBe(signPayload(secret, Number(first.headers['x-ordo-timestamp']), first.body));
    const event = JSON.parse(first.body) as { id: string; type: string; data: { number: string } };
    expect(event).toMatchObject({ type: 'order.created', data: { number: orderNumber } });

    const page = await b.open('/connectors/webhooks');
    const row = page.getByTestId('deliveries').locator('tr', { hasText: event.id });
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([expect.stringContaining('order.created'), 'Warehouse feed', 'Delivered', '1', '200', 'Send again']);
    await screenshot(page, 'webhooks-tab-delivered');

    await row.getByRole('button', { name: 'Send again' }).click();
    expect(await eventually(async () => deliveries().length, (n) => n >= 2, 30_000)).toBe(2);
    const again = deliveries()[1];
    expect(JSON.parse(again.body).id).toBe(event.id);
    expect(again.headers['x-ordo-signature']).toBe(signPayload(secret, Number(again.headers['x-ordo-timestamp']), again.body));
    // the log keeps both answers
    const logged = await eventually(
      async () => ((await api.get('/api/webhooks/deliveries')).body as Array<{ eventId: string; status: string; log: Array<{ status: number }> }>).find((d) => d.eventId === event.id),
      (d) => d?.status === 'delivered' && d.log.length === 2,
      30_000,
    );
    expect(logged?.log.map((l) => l.status)).toEqual([200, 200]);
    expect(b.problems).toEqual([]);
  });

  it('given an order flow waiting for its dispatch, when the admin adds an inbound endpoint in the tab and the warehouse calls it signed with the secret shown, then the flow moves on; a new secret retires the old one and a paused endpoint answers 404', async () => {
    expect((await api.post('/api/workflows', { xml: AWAIT_SHIPMENT_FLOW })).status).toBe(201);
    const started = await api.post('/api/instances', { processKey: 'await-shipment', businessKey: 'SO-7101' });
    expect(started.body.status).toBe('waiting');

    const page = await b.open('/connectors/webhooks');
    const form = page.getByRole('form', { name: 'Add endpoint' });
    await form.getByLabel('Connector').selectOption('inventory');
    await form.getByLabel('Key (last part of the URL)').fill('shipment-dispatched');
    await form.getByLabel('Name').fill('Warehouse dispatch');
    await form.getByLabel('Message').fill('shipment.dispatched');
    await form.getByLabel('Business key (JSONata)').fill('body.order');
    await form.getByLabel('Variables (JSONata, optional; default: the body)').fill('{"carrier": body.carrier}');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const shown = page.getByTestId('inbound-secret');
    await shown.waitFor();
    expect(await shown.textContent()).toContain('POST /api/hooks/inventory/shipment-dispatched');
    const secret = ((await shown.locator('.secret-value').textContent()) ?? '').trim();
    const row = page.getByTestId('inbound').locator('tr', { hasText: 'Warehouse dispatch' });
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(['Warehouse dispatch', 'POST /api/hooks/inventory/shipment-dispatched', 'shipment.dispatched', 'body.order', 'Active', 'PauseNew secretDelete']);
    await screenshot(page, 'webhooks-tab-inbound');

    const call = (key: string, order: string) => {
      const body = JSON.stringify({ order, carrier: 'SF Express' });
      const ts = Math.floor(Date.now() / 1000);
      return fetch(`${harness.url}/api/hooks/inventory/shipment-dispatched`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-ordo-timestamp': String(ts), 'x-ordo-signature': signPayload(key, ts, body) } });
    };
    const answer = await call(secret, 'SO-7101');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ duplicate: false, businessKey: 'SO-7101', result: { result: 'correlated', instanceId: started.body.id } });
    expect((await api.get(`/api/instances/${started.body.id}`)).body).toMatchObject({ status: 'completed', variables: { carrier: 'SF Express' } });

    // a new secret: shown once, the old one refused from now on
    await row.getByRole('button', { name: 'New secret' }).click();
    await shown.locator('.secret-value').filter({ hasNotText: secret }).waitFor();
    const rotated = ((await shown.locator('.secret-value').textContent()) ?? '').trim();
    expect((await call(secret, 'SO-7102')).status).toBe(401);
    expect((await call(rotated, 'SO-7102')).status).not.toBe(401);

    // paused: the endpoint is gone for callers until resumed
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await call(rotated, 'SO-7103')).status).toBe(404);
    expect(b.problems).toEqual([]);
  });
});
