/**
 * Connectors and webhooks, loopback only, one process:
 *  - the overhead of a connector call through the invoker (secret resolution, templating, API-key
 *    auth, egress check, retry bookkeeping, JSONata response mapping, output masking) next to a
 *    raw fetch of the same URL on the same local server, interleaved in rounds;
 *  - outbound webhook deliveries per second (outbox → fan-out → claim → signed POST → log) to a
 *    loopback receiver;
 *  - inbound webhook → correlation: a signed POST until the waiting instance has moved on
 *    (WorkflowRuntime on the same database).
 * Last stdout line: JSON with overhead_ms_p50, webhooks_per_s and the other figures.
 */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { FileFormRegistry, SYSTEM_ACTOR, WorkflowRuntime } from '../engine';
import { signPayload } from '../server/integration/signature';
import { ApiClient } from '../tests/helpers/server';
import { BENCH_ADMIN, percentile, round, startBenchDatabase, startBenchOrdo, table } from './lib/ordo';

const CALLS = Number(process.env.CONNECTORS_BENCH_CALLS ?? 1500);
const EVENTS = Number(process.env.CONNECTORS_BENCH_EVENTS ?? 400);
const INBOUND = Number(process.env.CONNECTORS_BENCH_INBOUND ?? 60);
const API_KEY = 'bench-remote-key-4f2a';

const say = (s: string) => process.stdout.write(`${s}\n`);

async function listen(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function main(): Promise<void> {
  const item = JSON.stringify({ sku: 'CHAIR-1', warehouses: [{ id: 'A', qty: 2 }, { id: 'B', qty: 3 }, { id: 'C', qty: 7 }] });
  const target = await listen((req, res) => {
    if (req.headers['x-api-key'] !== API_KEY) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(item);
  });
  let received = 0;
  const receiver = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });

  const db = await startBenchDatabase();
  const ordo = await startBenchOrdo(db.uri, { NODE_ENV: 'development', WEBHOOK_WORKER: 'false' });
  const formsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-bench-forms-'));
  const runtime = new WorkflowRuntime({
    connection: ordo.connection,
    logger: pino({ level: 'silent' }),
    connectors: ordo.integration.invoker,
    rules: { has: async () => false, evaluate: async () => Promise.reject(new Error('no rule tasks in this bench')) },
    forms: new FileFormRegistry(formsDir),
    pollIntervalMs: 500,
  });
  try {
    const admin = await new ApiClient(ordo.url).login(BENCH_ADMIN.email, BENCH_ADMIN.password);
    await admin.post('/api/credentials', { name: 'bench-key', type: 'apiKey', values: { value: API_KEY } });
    const created = await admin.post('/api/connectors', {
      id: 'bench',
      name: 'Bench target',
      baseUrl: target.url,
      auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: '{{secrets.bench-key}}' },
      allowNetworks: ['loopback'],
      operations: [{ id: 'getItem', name: 'Get item', method: 'GET', path: '/items/{{input.sku}}', inputs: [{ name: 'sku', required: true }], responseMapping: '{"sku": body.sku, "total": $sum(body.warehouses.qty)}' }],
    });
    if (created.status !== 201) throw new Error(`connector not created: ${JSON.stringify(created.body)}`);

    // --- 1. connector call overhead vs raw fetch ------------------------------------------
    const invoker = ordo.integration.invoker;
    const ctx = (i: number) => ({ instanceId: 'bench', activityId: 'getItem', idempotencyKey: `k-${i}`, attempt: 1 });
    const raw = async () => {
      const res = await fetch(`${target.url}/items/CHAIR-1`, { headers: { 'x-api-key': API_KEY, accept: 'application/json' } });
      const body = (await res.json()) as { sku: string; warehouses: Array<{ qty: number }> };
      return { sku: body.sku, total: body.warehouses.reduce((s, w) => s + w.qty, 0) };
    };
    for (let i = 0; i < 100; i++) {
      await raw();
      await invoker.invoke('bench.getItem', { sku: 'CHAIR-1' }, ctx(i));
    }
    const rawMs: number[] = [];
    const ordoMs: number[] = [];
    const BLOCK = 50;
    for (let done = 0; done < CALLS; done += BLOCK) {
      for (let i = 0; i < BLOCK; i++) {
        const t = performance.now();
        await raw();
        rawMs.push(performance.now() - t);
      }
      for (let i = 0; i < BLOCK; i++) {
        const t = performance.now();
        const out = (await invoker.invoke('bench.getItem', { sku: 'CHAIR-1' }, ctx(done + i))) as { total: number };
        ordoMs.push(performance.now() - t);
        if (out.total !== 12) throw new Error('wrong mapping result');
      }
    }
    rawMs.sort((a, b) => a - b);
    ordoMs.sort((a, b) => a - b);
    const rawP50 = percentile(rawMs, 50);
    const ordoP50 = percentile(ordoMs, 50);

    // --- 2. outbound webhook deliveries per second -----------------------------------------
    const sub = await admin.post('/api/webhooks/subscriptions', { name: 'Bench receiver', url: `${receiver.url}/hook`, events: ['order.created'], allowNetworks: ['loopback'] });
    if (sub.status !== 201) throw new Error(`subscription not created: ${JSON.stringify(sub.body)}`);
    for (let i = 0; i < EVENTS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, EVENTS - i) }, (_, j) => ordo.integration.enqueueEvent({ type: 'order.created', id: `B-${i + j}:1:order.created`, data: { number: `B-${i + j}`, total: 10 } })));
    }
    const startedAt = performance.now();
    let delivered = 0;
    while (delivered < EVENTS) {
      const r = await ordo.integration.worker.runOnce(EVENTS);
      delivered += r.delivered;
      if (r.delivered === 0 && r.fannedOut === 0 && r.retried === 0) break;
    }
    const webhookSeconds = (performance.now() - startedAt) / 1000;
    const webhooksPerS = delivered / webhookSeconds;

    // --- 3. inbound webhook → instance moved on --------------------------------------------
    await runtime.start();
    ordo.integration.setCorrelateMessage((m) => runtime.correlateMessage({ ...m, actor: SYSTEM_ACTOR }));
    await runtime.deploy({
      actor: SYSTEM_ACTOR,
      xml: `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_benchPay" targetNamespace="http://ordo.dev/bench">
  <bpmn:message id="MsgPaid" name="payment.received" />
  <bpmn:process id="benchPayment" isExecutable="true">
    <bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:receiveTask id="wait" messageRef="MsgPaid" /><bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`,
    });
    const hook = await admin.post('/api/webhooks/inbound', { connectorId: 'bench', key: 'paid', name: 'Paid', messageName: 'payment.received', businessKey: 'body.order' });
    const instances: string[] = [];
    for (let i = 0; i < INBOUND; i++) instances.push((await runtime.startInstance({ processKey: 'benchPayment', businessKey: `P-${i}` })).id);
    const inboundMs: number[] = [];
    let moved = 0;
    for (let i = 0; i < INBOUND; i++) {
      const body = JSON.stringify({ order: `P-${i}`, amount: 10 });
      const ts = Math.floor(Date.now() / 1000);
      const t = performance.now();
      const res = await fetch(`${ordo.url}${hook.body.path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ordo-timestamp': String(ts), 'x-ordo-signature': signPayload(hook.body.secret, ts, body) }, body });
      await res.text();
      const inst = await runtime.getInstance(instances[i]);
      inboundMs.push(performance.now() - t);
      if (res.status === 200 && inst.status === 'completed') moved++;
    }
    inboundMs.sort((a, b) => a - b);

    say(
      table([
        { measure: 'raw fetch (same URL, same server)', n: rawMs.length, p50_ms: round(rawP50, 3), p95_ms: round(percentile(rawMs, 95), 3) },
        { measure: 'connector call (invoker)', n: ordoMs.length, p50_ms: round(ordoP50, 3), p95_ms: round(percentile(ordoMs, 95), 3) },
        { measure: 'inbound webhook → instance moved on', n: inboundMs.length, p50_ms: round(percentile(inboundMs, 50), 2), p95_ms: round(percentile(inboundMs, 95), 2) },
      ]),
    );
    say(`\nconnector overhead p50: ${round(ordoP50 - rawP50, 3)} ms per call (secret lookup, templating, auth, egress check, retry bookkeeping, JSONata mapping, masking)`);
    say(`outbound webhooks: ${delivered}/${EVENTS} delivered in ${round(webhookSeconds, 2)} s = ${round(webhooksPerS, 1)}/s (receiver saw ${received}); inbound: ${moved}/${INBOUND} instances moved on`);
    say(
      JSON.stringify({
        bench: 'connectors',
        overhead_ms_p50: round(ordoP50 - rawP50, 3),
        connector_p50_ms: round(ordoP50, 3),
        raw_p50_ms: round(rawP50, 3),
        vs_raw: round(rawP50 / ordoP50, 2),
        webhooks_per_s: round(webhooksPerS, 1),
        webhooks_delivered: delivered,
        inbound_to_moved_p50_ms: round(percentile(inboundMs, 50), 2),
        inbound_moved: moved,
      }),
    );
  } finally {
    ordo.integration.setCorrelateMessage(undefined);
    await runtime.stop().catch(() => undefined);
    await ordo.close();
    await db.stop();
    fs.rmSync(formsDir, { recursive: true, force: true });
    target.server.closeAllConnections();
    target.server.close();
    receiver.server.closeAllConnections();
    receiver.server.close();
  }
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
