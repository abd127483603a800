/**
 * Webhooks over real HTTP and the real database. Outbound: subscriptions, signed deliveries to a
 * loopback receiver, retries with backoff, the delivery log, replay, and the crash case proven
 * with two worker runs against one database. Inbound: HMAC verification, old timestamps and
 * replays refused, and a signed call moving a real workflow instance (WorkflowRuntime on the same
 * database) whose service task called the reference ERP through the connector invoker.
 */
import crypto from 'node:crypto';
import { SYSTEM_ACTOR } from '../../engine';
import { WebhookDeliveryWorker } from '../../server/integration/delivery-worker';
import { signPayload } from '../../server/integration/signature';
import { webhookModels } from '../../server/integration/webhooks.models';
import { FixtureRuleEvaluator, eventually, newRuntime } from '../features/engine-harness';
import { expectNoSecretIn, json, startCapturingOrdo, startRemote, type CapturingOrdo, type RecordingClient, type Remote } from '../helpers/connectors';

const verify = (secret: string, headers: Record<string, unknown>, body: string) => headers['x-ordo-signature'] === signPayload(secret, Number(headers['x-ordo-timestamp']), body);

// backoff tests wait for real delays; a loaded CI machine needs room
jest.setTimeout(120_000);

describe('webhooks: signed outbound deliveries from the outbox, verified inbound messages', () => {
  let h: CapturingOrdo;
  let admin: RecordingClient;
  let receiver: Remote;
  let mode: 'ok' | 'fail' | 'hang' = 'ok';
  const secrets: string[] = [];

  beforeAll(async () => {
    receiver = await startRemote((req, res) => {
      if (mode === 'hang') return; // never answers: the sender's timeout fires
      if (mode === 'fail') return json(res, 500, { error: 'receiver down' });
      json(res, 200, { received: req.headers['x-ordo-delivery'] });
    });
    h = await startCapturingOrdo({ label: 'webhooks', env: { WEBHOOK_WORKER: 'false' } });
    admin = await h.admin();
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  const worker = (owner: string, extra: Partial<ConstructorParameters<typeof WebhookDeliveryWorker>[0]> = {}) =>
    new WebhookDeliveryWorker({ connection: h.ordo.connection, box: h.ordo.integration.box, transport: h.ordo.integration.transport, logger: h.ordo.logger, owner, baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 3, timeoutMs: 300, ...extra });

  let sub: { id: string; secret: string };

  it('refuses webhook URLs in link-local or private networks, and loopback unless explicitly allowed', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/hook', `${receiver.url}/hook`]) {
      const res = await admin.post('/api/webhooks/subscriptions', { name: 'x', url, events: ['order.created'] });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ path: 'url', message: expect.stringMatching(/link-local|private|loopback/) });
    }
    const bad = await admin.post('/api/webhooks/subscriptions', { name: 'x', url: 'ftp://x', events: ['order.eaten'] });
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['url', 'events.0']));
  });

  it('given a subscription, then its signing secret is shown once and never listed', async () => {
    const res = await admin.post('/api/webhooks/subscriptions', { name: 'Shop', url: `${receiver.url}/hook`, events: ['order.created', 'order.shipped'], allowNetworks: ['loopback'] });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_/);
    sub = { id: res.body.id, secret: res.body.secret };
    secrets.push(sub.secret);
    const list = await admin.get('/api/webhooks/subscriptions');
    expect(list.body[0]).toMatchObject({ id: sub.id, events: ['order.created', 'order.shipped'] });
    expect(JSON.stringify(list.body)).not.toContain(sub.secret);
    expect(JSON.stringify(await h.ordo.connection.collection('webhooks').findOne({}))).not.toContain(sub.secret);
  });

  it('delivers an enqueued order event once, signed with timestamp, and logs the response', async () => {
    mode = 'ok';
    const { eventId } = await h.ordo.integration.enqueueEvent({ type: 'order.created', id: 'SO-1:1:order.created', data: { number: 'SO-1', total: 99.5, 'weird.key': true } });
    await h.ordo.integration.enqueueEvent({ type: 'order.approved', data: { number: 'SO-1' } }); // not subscribed
    const before = receiver.seen.length;
    const totals = await worker('w1').runOnce();
    expect(totals).toMatchObject({ fannedOut: 1, delivered: 1 });
    const got = receiver.seen.slice(before);
    expect(got).toHaveLength(1);
    expect(verify(sub.secret, got[0].headers, got[0].body)).toBe(true);
    expect(JSON.parse(got[0].body)).toMatchObject({ id: eventId, type: 'order.created', data: { number: 'SO-1', 'weird.key': true } });
    expect(Math.abs(Number(got[0].headers['x-ordo-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    const log = await admin.get(`/api/webhooks/deliveries?subscriptionId=${sub.id}`);
    expect(log.body[0]).toMatchObject({ eventId, status: 'delivered', attempts: 1, lastStatus: 200 });
    expect(log.body[0].log[0]).toMatchObject({ status: 200, responseBody: expect.stringContaining('received') });
    // the same event id again is the same event: nothing new to deliver
    expect((await h.ordo.integration.enqueueEvent({ type: 'order.created', id: 'SO-1:1:order.created', data: {} })).duplicate).toBe(true);
    expect(await worker('w1').runOnce()).toMatchObject({ fannedOut: 0, delivered: 0 });
  });

  it('retries a failing receiver with backoff, gives up after the last attempt, and a replay delivers it', async () => {
    mode = 'fail';
    await h.ordo.integration.enqueueEvent({ type: 'order.shipped', id: 'SO-2:5:order.shipped', data: { number: 'SO-2' } });
    // backoff long enough that a loaded machine still runs the second pass before it is due
    const w = worker('w2', { baseDelayMs: 1000, maxDelayMs: 2000, concurrency: 1 });
    expect(await w.runOnce()).toMatchObject({ retried: 1 });
    expect(await w.runOnce()).toMatchObject({ delivered: 0, retried: 0 }); // not due yet: backoff
    const due = async () => (await w.runOnce()).retried + (await w.runOnce()).failed > 0 || undefined;
    await eventually(due, 40000, 100);
    await eventually(async () => (await w.runOnce()).failed > 0 || (await admin.get('/api/webhooks/deliveries?status=failed')).body.length > 0, 40000, 100);
    const failed = (await admin.get('/api/webhooks/deliveries?status=failed')).body[0];
    expect(failed).toMatchObject({ eventId: 'SO-2:5:order.shipped', attempts: 3, lastStatus: 500 });
    expect(failed.log.map((l: { status: number }) => l.status)).toEqual([500, 500, 500]);
    const gaps = failed.log.slice(1).map((l: { at: string }, i: number) => Date.parse(l.at) - Date.parse(failed.log[i].at));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);

    mode = 'ok';
    const replay = await admin.post(`/api/webhooks/deliveries/${failed.id}/replay`);
    expect(replay.body).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await w.runOnce()).toMatchObject({ delivered: 1 });
    const after = (await admin.get(`/api/webhooks/deliveries?subscriptionId=${sub.id}&status=delivered`)).body.find((d: { id: string }) => d.id === failed.id);
    expect(after.log.map((l: { status: number }) => l.status)).toEqual([500, 500, 500, 200]);
  });

  it('given a crash between the order change and the delivery, when a second worker runs against the same database, then the event is delivered exactly once', async () => {
    mode = 'ok';
    // the order change wrote its event; the node died before any worker ran
    await h.ordo.integration.enqueueEvent({ type: 'order.created', id: 'SO-3:1:order.created', data: { number: 'SO-3' } });
    // run 1: a worker fans out and claims the delivery under a lease, then dies before sending
    const first = worker('crashed-node', { leaseMs: 400 });
    await first.fanOut();
    const claimed = await first.claim();
    expect(claimed?.eventId).toBe('SO-3:1:order.created');
    const seenBefore = receiver.seen.filter((r) => r.body.includes('SO-3')).length;
    // run 2: a restarted node; the lease still holds, so nothing is sent twice
    const second = worker('restarted-node', { leaseMs: 400 });
    expect(await second.runOnce()).toMatchObject({ delivered: 0 });
    await new Promise((r) => setTimeout(r, 450));
    expect(await second.runOnce()).toMatchObject({ delivered: 1 });
    expect(await second.runOnce()).toMatchObject({ delivered: 0 });
    expect(receiver.seen.filter((r) => r.body.includes('SO-3')).length - seenBefore).toBe(1);
    // the dead worker's late write is fenced off by the lease owner
    expect(await first.deliver(claimed!)).toBe('lost-lease');
    const d = (await admin.get(`/api/webhooks/deliveries?subscriptionId=${sub.id}`)).body.find((x: { eventId: string }) => x.eventId === 'SO-3:1:order.created');
    // the dead worker's claim counts as an attempt (no silent retry loop), logged as interrupted
    expect(d).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(d.log.map((l: { attempt: number; status?: number; error?: string }) => [l.attempt, l.status ?? l.error])).toEqual([
      [1, expect.stringMatching(/worker stopped/)],
      [2, 200],
    ]);
  });

  it('given a worker that died between winning a claim and recording it, then the delivery is not stuck: once that claim is a lease old, the next worker claims the next round and delivers once', async () => {
    mode = 'ok';
    await h.ordo.integration.enqueueEvent({ type: 'order.created', id: 'SO-6:1:order.created', data: { number: 'SO-6' } });
    const w = worker('survivor', { leaseMs: 400 });
    await w.fanOut();
    const { Delivery, Claim } = webhookModels(h.ordo.connection);
    const pending = (await Delivery.find({ eventId: 'SO-6:1:order.created' }).lean())[0];
    // the dead worker's first write landed (the unique claim id), its second (lease on the delivery) never did
    await Claim.create({ _id: `${pending._id}:${pending.claimSeq + 1}`, deliveryId: pending._id, owner: 'dead-node', at: new Date() });
    const seenBefore = receiver.seen.filter((r) => r.body.includes('SO-6')).length;
    expect(await w.runOnce()).toMatchObject({ delivered: 0 }); // a fresh claim: its winner may still be sending
    await new Promise((r) => setTimeout(r, 450));
    expect(await w.runOnce()).toMatchObject({ delivered: 1 });
    expect(receiver.seen.filter((r) => r.body.includes('SO-6')).length - seenBefore).toBe(1);
    expect(await Delivery.findById(pending._id).lean()).toMatchObject({ status: 'delivered', attempts: 1, claimSeq: pending.claimSeq + 2 });
  });

  it('delivers in the background on a running node (the worker started by the server)', async () => {
    mode = 'ok';
    h.ordo.integration.worker.start(50);
    try {
      await h.ordo.integration.enqueueEvent({ type: 'order.shipped', id: 'SO-4:2:order.shipped', data: { number: 'SO-4' } });
      await eventually(async () => receiver.seen.some((r) => r.body.includes('SO-4')), 5000);
      // and recorded as delivered: a worker stopped while the answer is on its way hands the delivery
      // back for another try, which the next test's worker would pick up
      const delivered = async () => ((await admin.get(`/api/webhooks/deliveries?subscriptionId=${sub.id}&status=delivered`)).body as Array<{ eventId: string }>).some((d) => d.eventId === 'SO-4:2:order.shipped');
      await eventually(delivered, 5000);
    } finally {
      await h.ordo.integration.worker.stop();
    }
  });

  it('times out a receiver that never answers and keeps the delivery for a retry', async () => {
    mode = 'hang';
    await h.ordo.integration.enqueueEvent({ type: 'order.created', id: 'SO-5:1:order.created', data: { number: 'SO-5' } });
    expect(await worker('w5', { baseDelayMs: 5000 }).runOnce()).toMatchObject({ retried: 1 });
    const d = (await admin.get(`/api/webhooks/deliveries?subscriptionId=${sub.id}&status=pending`)).body.find((x: { eventId: string }) => x.eventId === 'SO-5:1:order.created');
    expect(d.log[0].error).toMatch(/within 300 ms/);
    mode = 'ok';
  });

  describe('inbound', () => {
    let hook: { id: string; secret: string; path: string };
    const send = (body: string, opts: { secret?: string; ts?: number; signature?: string } = {}) => {
      const ts = opts.ts ?? Math.floor(Date.now() / 1000);
      return admin.request('POST', hook.path, body, {
        'content-type': 'application/json',
        'x-ordo-timestamp': String(ts),
        'x-ordo-signature': opts.signature ?? signPayload(opts.secret ?? hook.secret, ts, body),
      });
    };

    it('creates a per-connector endpoint with a secret shown once, refusing unknown connectors and bad JSONata', async () => {
      expect((await admin.post('/api/webhooks/inbound', { connectorId: 'nope', key: 'paid', name: 'x', messageName: 'm', businessKey: 'body.id' })).status).toBe(400);
      const badExpr = await admin.post('/api/webhooks/inbound', { connectorId: 'finance', key: 'paid', name: 'x', messageName: 'm', businessKey: 'body.(' });
      expect(badExpr.body.errors[0].path).toBe('businessKey');
      const res = await admin.post('/api/webhooks/inbound', {
        connectorId: 'finance',
        key: 'payment-received',
        name: 'Payment received',
        messageName: 'payment.received',
        businessKey: 'body.orderNumber',
        variables: '{"payment": {"amount": body.amount, "reference": body.ref}}',
      });
      expect(res.status).toBe(201);
      hook = { id: res.body.id, secret: res.body.secret, path: res.body.path };
      secrets.push(hook.secret);
      expect(hook.path).toBe('/api/hooks/finance/payment-received');
      expect(JSON.stringify((await admin.get('/api/webhooks/inbound')).body)).not.toContain(hook.secret);
    });

    it('answers 503 while no runtime correlates messages, then refuses bad signatures, old timestamps and missing headers', async () => {
      const body = JSON.stringify({ orderNumber: 'SO-X', amount: 1 });
      h.ordo.integration.setCorrelateMessage(undefined);
      expect((await send(body)).status).toBe(503);
      expect((await send(body, { secret: 'whsec_wrong' })).status).toBe(401);
      const old = await send(body, { ts: Math.floor(Date.now() / 1000) - 3600 });
      expect(old.status).toBe(401);
      expect(old.body.title).toMatch(/timestamp/);
      const tampered = await send(body, { signature: signPayload(hook.secret, Math.floor(Date.now() / 1000), body.replace('1', '2')) });
      expect(tampered.status).toBe(401);
      expect((await admin.request('POST', hook.path, body, { 'content-type': 'application/json' })).status).toBe(401);
      expect((await admin.request('POST', '/api/hooks/finance/unknown', body, { 'content-type': 'application/json' })).status).toBe(404);
    });

    it('given an instance whose service task reserved stock in the ERP through the connector, when the signed payment webhook arrives, then the instance moves on once', async () => {
      const { runtime } = newRuntime(h.ordo.connection, { connectors: h.ordo.integration.invoker, rules: new FixtureRuleEvaluator() });
      await runtime.start();
      try {
        h.ordo.integration.setCorrelateMessage((m) => runtime.correlateMessage({ ...m, actor: SYSTEM_ACTOR }));
        const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_pay" targetNamespace="http://ordo.dev/test">
  <bpmn:message id="MsgPaid" name="payment.received" />
  <bpmn:process id="erpPayment" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="reserve" />
    <bpmn:serviceTask id="reserve"><bpmn:extensionElements><camunda:connector><camunda:connectorId>inventory.reserve</camunda:connectorId><camunda:inputOutput>
      <camunda:inputParameter name="orderId">\${variables.orderId}</camunda:inputParameter>
      <camunda:inputParameter name="lines">\${variables.lines}</camunda:inputParameter>
      <camunda:outputParameter name="reservation">\${result}</camunda:outputParameter>
    </camunda:inputOutput></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="reserve" targetRef="waitPayment" />
    <bpmn:receiveTask id="waitPayment" messageRef="MsgPaid" />
    <bpmn:sequenceFlow id="f3" sourceRef="waitPayment" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
        await runtime.deploy({ xml, actor: SYSTEM_ACTOR });
        const orderNumber = `SO-${crypto.randomInt(1000, 9999)}`;
        const inst = await runtime.startInstance({ processKey: 'erpPayment', businessKey: orderNumber, variables: { orderId: orderNumber, lines: [{ sku: 'DESK-PINE', quantity: 2 }] } });
        const waiting = await eventually(async () => {
          const i = await runtime.getInstance(inst.id);
          return (i as any).variables?.reservation ? i : undefined;
        });
        expect((waiting as any).variables.reservation).toMatchObject({ warehouse: 'WH-NORTH', status: 'active' });
        const erpState = h.ordo.integration.referenceErp!.state();
        expect(erpState.reservations.find((r) => r.orderId === orderNumber)).toBeDefined();

        const body = JSON.stringify({ orderNumber, amount: 498, ref: 'PSP-77' });
        const ts = Math.floor(Date.now() / 1000);
        const res = await send(body, { ts });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ duplicate: false, messageName: 'payment.received', businessKey: orderNumber, result: { result: 'correlated', instanceId: inst.id } });
        const done = await eventually(async () => {
          const i = await runtime.getInstance(inst.id);
          return i.status === 'completed' ? i : undefined;
        });
        expect((done as any).variables.payment).toEqual({ amount: 498, reference: 'PSP-77' });
        // the sender retrying the very same request is acknowledged, not correlated twice
        const again = await send(body, { ts });
        expect(again.status).toBe(200);
        expect(again.body.duplicate).toBe(true);
      } finally {
        h.ordo.integration.setCorrelateMessage(undefined);
        await runtime.stop();
      }
    });
  });

  it('audits webhook changes and never let a signing secret into any answer or log line', async () => {
    const audit = await h.ordo.connection.collection('auditLog').find({ action: /webhook/ }).toArray();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['webhook.subscribe', 'webhook.replay', 'inbound-webhook.create']));
    const erp = await h.ordo.integration.credentials.get('erp');
    const all = [...secrets, erp!.value];
    expectNoSecretIn(h.answers.filter((a) => !a.includes('"secret":"whsec_')), all, 'an API answer');
    expectNoSecretIn(h.logs, all, 'a log line');
    expectNoSecretIn(audit.map((a) => JSON.stringify(a)), all, 'the audit log');
  });
});
