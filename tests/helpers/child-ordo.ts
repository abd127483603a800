/**
 * Ordo as a separate process (`tsx server/main.ts`), for what must not run inside jest: kill -9,
 * restarts, several nodes, and ESM-only libraries (openid-client).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../../server/db/connection';
import { PROJECT_ROOT } from '../../server/db/ferretdb';
import { testDatabaseUri } from './db';
import { ADMIN, ApiClient, TEST_SECRET_KEY } from './server';

export interface ChildOrdo {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM (graceful) or SIGKILL (crash) */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startChildOrdo(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildOrdo> {
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-child-'));
  // node itself with tsx as a loader, not the tsx CLI: the CLI runs the server in a second process that a
  // SIGKILL of the CLI would leave running
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'server', 'main.ts')], {
    cwd: PROJECT_ROOT,
    // SHUTDOWN_DRAIN_MS 0: a node stopped at the end of a test closes right after handing its work back
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: dataDir, DESIGNER_AUTOBUILD: 'false', SECRET_KEY: TEST_SECRET_KEY, SHUTDOWN_DRAIN_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child Ordo did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = out.match(/Ordo is running at (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child Ordo exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    proc,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}

/* ---------- crash tests: shared database, short leases, external systems held by the test ---------- */


/** Environment of nodes sharing one database; a short lease lets a killed node's work move on quickly. */
export const crashEnv = (uri: string, extra: Record<string, string> = {}): Record<string, string> => ({
  MONGODB_URI: uri,
  ORDO_ADMIN_EMAIL: ADMIN.email,
  ORDO_ADMIN_PASSWORD: ADMIN.password,
  LOG_LEVEL: 'error',
  LEASE_MS: '3000',
  ...extra,
});

/**
 * The nodes of one crash-test file on their own database: after the file every node started here
 * is stopped (a frozen one is woken first) and the database is dropped.
 */
export function useCrashNodes(label: string): { uri: string; start(extra?: Record<string, string>): Promise<ChildOrdo> } {
  const uri = testDatabaseUri(label);
  const nodes: ChildOrdo[] = [];
  afterAll(async () => {
    for (const n of nodes) {
      if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGCONT');
      await n.stop();
    }
    const c = await connectDatabase(uri);
    await c.dropDatabase().catch(() => undefined);
    await c.close();
  });
  return {
    uri,
    async start(extra = {}) {
      const node = await startChildOrdo(crashEnv(uri, extra));
      nodes.push(node);
      return node;
    },
  };
}

/** Polls `probe` until it returns a truthy value; fails after `ms` with the last value seen. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 90_000, stepMs = 200): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface HeldRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** the caller went away before an answer (its node was killed) */
  aborted: boolean;
  answered: boolean;
}

/**
 * An external system (webhook receiver, remote API) that holds every request until the test
 * releases it, so a node can be killed while its call is verifiably in flight.
 */
export interface HoldingReceiver {
  url: string;
  requests: HeldRequest[];
  /** requests still waiting for an answer whose caller is connected */
  held(): HeldRequest[];
  /** answers everything held, and everything after, at once */
  release(): void;
  /** holds new requests again */
  hold(): void;
  close(): Promise<void>;
}

export async function startHoldingReceiver(answer: (r: HeldRequest) => { status: number; body: unknown } = () => ({ status: 200, body: { ok: true } })): Promise<HoldingReceiver> {
  const requests: HeldRequest[] = [];
  const waiting: Array<{ r: HeldRequest; res: http.ServerResponse }> = [];
  let holding = true;
  const respond = (r: HeldRequest, res: http.ServerResponse) => {
    if (r.aborted || r.answered) return;
    const out = answer(r);
    r.answered = true;
    res.writeHead(out.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out.body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: HeldRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), aborted: false, answered: false };
      requests.push(r);
      res.on('close', () => {
        if (!r.answered) r.aborted = true;
      });
      if (holding) waiting.push({ r, res });
      else respond(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    held: () => waiting.filter((w) => !w.r.aborted && !w.r.answered).map((w) => w.r),
    release() {
      holding = false;
      for (const w of waiting.splice(0)) respond(w.r, w.res);
    },
    hold() {
      holding = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A process that waits on a timer (an ISO date), then calls `carrier.confirm` with the variable
 * `order` (a service task allowed `retries` attempts): a firing whose call a test can hold.
 */
export const timerThenCallFlow = (id: string, retries: number, fireAt: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:ordo="http://ordo.dev/schema/bpmn/1.0" id="defs_${id}" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="${id}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDate>${fireAt}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="confirm" />
    <bpmn:serviceTask id="confirm" ordo:retries="${retries}"><bpmn:extensionElements><camunda:connector><camunda:connectorId>carrier.confirm</camunda:connectorId><camunda:inputOutput>
      <camunda:inputParameter name="order">\${variables.order}</camunda:inputParameter>
    </camunda:inputOutput></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="confirm" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

/** The REST connector `carrier` (operation confirm, Idempotency-Key header) to `baseUrl`: one try per call, the engine counts attempts. */
export const carrierConnector = (baseUrl: string) => ({
  id: 'carrier',
  name: 'Carrier',
  baseUrl,
  allowNetworks: ['loopback'],
  timeoutMs: 120_000,
  retry: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 },
  operations: [{ id: 'confirm', name: 'Confirm', method: 'POST', path: '/confirm', body: '{"order": "{{input.order}}"}', inputs: [{ name: 'order', required: true }], idempotencyHeader: 'Idempotency-Key' }],
});

/** The order flow reduced to start → end, so that flows of many imported orders start quickly on a loaded machine. */
export const TRIVIAL_ORDER_FLOW = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_trivial_order" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="order-fulfilment" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

/** A CSV order file as shops export it: one row per line, the order columns repeated; refs are the order numbers in it. */
export function importFile(orders: number, lines: number): { csv: string; refs: string[] } {
  const header = ['Order No', 'Customer', 'E-mail', 'Street', 'City', 'ZIP', 'Country', 'Currency', 'Item Code', 'Description', 'Qty', 'Unit Price'];
  const refs = Array.from({ length: orders }, (_, i) => `IMP-${i}`);
  const rows = refs.flatMap((ref, i) => Array.from({ length: lines }, (_, j) => [ref, `Customer ${i}`, `c${i}@import.test`, `${i} Main St`, 'Utrecht', '3511 AB', 'NL', 'EUR', `SKU-${j}`, `Part ${j}`, String(1 + ((i + j) % 3)), '2.50']));
  return { csv: [header, ...rows].map((r) => r.join(',')).join('\n'), refs };
}

/** Uploads a CSV file, maps it as suggested and checks it (an API key with orders.import); returns the import id and the key's client. */
export async function validatedImport(node: ChildOrdo, csv: string, orders: number): Promise<{ id: string; key: string }> {
  const admin = await new ApiClient(node.url).login(ADMIN.email, ADMIN.password);
  const key = (await admin.post('/api/api-keys', { name: `erp-${Date.now()}`, scopes: ['orders.import', 'orders.read'] })).body.key as string;
  const up = await fetch(`${node.url}/api/intake/imports?filename=orders.csv`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: csv });
  if (up.status !== 201) throw new Error(`upload answered ${up.status}: ${await up.text()}`);
  const uploaded = (await up.json()) as { id: string; suggestedMapping: Record<string, string> };
  const mapped = await new ApiClient(node.url, key).post(`/api/intake/imports/${uploaded.id}/mapping`, { mapping: uploaded.suggestedMapping });
  if (mapped.body.status !== 'validated' || mapped.body.orderCount !== orders) throw new Error(`the file did not validate: ${JSON.stringify(mapped.body).slice(0, 500)}`);
  return { id: uploaded.id, key };
}

/** Polls an import on a node until it is no longer committing; its view then. */
export function importFinished(node: ChildOrdo, key: string, id: string, ms: number): Promise<Record<string, any>> {
  const client = new ApiClient(node.url, key);
  return until(
    `the import to finish on ${node.url}`,
    async () => {
      const res = await client.get(`/api/intake/imports/${id}`);
      return res.status !== 200 || res.body.status === 'committing' ? undefined : (res.body as Record<string, any>);
    },
    ms,
    500,
  );
}
