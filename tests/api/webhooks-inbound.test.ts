/**
 * The server's own inbound-webhook wiring (server/main.ts hands the workflow runtime's message
 * correlation to the webhook service): on a normal test server, nothing swapped in, a signed
 * "shipment dispatched" call from the warehouse system moves the instance waiting for it, with
 * the mapped variables; a badly signed one moves nothing.
 */
import { signPayload } from '../../server/integration/signature';
import { AWAIT_SHIPMENT_FLOW, startCapturingOrdo, type CapturingOrdo, type RecordingClient } from '../helpers/connectors';

describe('inbound webhooks on a normal server: the runtime main.ts wires in correlates them', () => {
  let h: CapturingOrdo;
  let admin: RecordingClient;
  beforeAll(async () => {
    h = await startCapturingOrdo({ label: 'webhooks_inbound' });
    admin = await h.admin();
  });
  afterAll(() => h?.close());

  it('given an instance waiting for "shipment.dispatched", when the warehouse system calls its signed endpoint, then the instance moves on with the mapped variables, once', async () => {
    expect((await admin.post('/api/workflows', { xml: AWAIT_SHIPMENT_FLOW })).status).toBe(201);
    const hook = await admin.post('/api/webhooks/inbound', {
      connectorId: 'inventory',
      key: 'shipment-dispatched',
      name: 'Shipment dispatched',
      messageName: 'shipment.dispatched',
      businessKey: 'body.order',
      variables: '{"shipment": {"carrier": body.carrier, "tracking": body.trackingNumber}}',
    });
    expect(hook.status).toBe(201);
    const { path, secret } = hook.body as { path: string; secret: string };
    expect(path).toBe('/api/hooks/inventory/shipment-dispatched');
    const started = await admin.post('/api/instances', { processKey: 'await-shipment', businessKey: 'SO-7001' });
    expect(started.status).toBe(201);
    expect(started.body.status).toBe('waiting');
    const id = started.body.id as string;

    const body = JSON.stringify({ order: 'SO-7001', carrier: 'DHL', trackingNumber: 'JD0146000' });
    const ts = Math.floor(Date.now() / 1000);
    const post = (signature: string) => admin.request('POST', path, body, { 'content-type': 'application/json', 'x-ordo-timestamp': String(ts), 'x-ordo-signature': signature });

    // signed with another secret: refused, the instance still waits
    expect((await post(signPayload('whsec_not-the-one', ts, body))).status).toBe(401);
    expect((await admin.get(`/api/instances/${id}`)).body.status).toBe('waiting');

    const res = await post(signPayload(secret, ts, body));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ duplicate: false, messageName: 'shipment.dispatched', businessKey: 'SO-7001', result: { result: 'correlated', instanceId: id } });
    const instance = (await admin.get(`/api/instances/${id}`)).body;
    expect(instance).toMatchObject({ status: 'completed', variables: { shipment: { carrier: 'DHL', tracking: 'JD0146000' } } });
    const history = (await admin.get(`/api/instances/${id}/history`)).body as Array<{ type: string; elementId: string | null; actor: { label?: string } | null }>;
    expect(history.some((e) => e.elementId === 'waitShipment' && e.actor?.label === 'webhook')).toBe(true);

    // the sender repeating the same request is acknowledged, nothing correlated twice
    const again = await post(signPayload(secret, ts, body));
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
  });
});
