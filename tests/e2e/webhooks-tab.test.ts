/**
 * The Webhooks tab of the Connectors page in Debian's chromium against a real Ordo (its delivery
 * worker running) and a real receiver on loopback: the admin subscribes the receiver to
 * order.created (the signing secret shown once), an order is created, the delivery shows in the
 * log with the receiver's answer, and "Send again" delivers the same event once more, signed with
 * the secret the page showed.
 */
import { signPayload } from '../../server/integration/signature';
import { DesignerHarness, screenshot, signIn, type TestBrowser } from '../helpers/browser';
import { apiOrder, json, startRemote, type Remote } from '../helpers/connectors';
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
});
