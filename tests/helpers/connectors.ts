/**
 * Helpers for the integration suites: a real Ordo whose log lines are captured, an API client that
 * keeps every answer, and small real HTTP servers standing in for remote systems.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../server/config';
import { startOrdo, type RunningOrdo } from '../../server/main';
import { testDatabaseUri } from './db';
import { ADMIN, ApiClient, type ApiResponse } from './server';

export interface CapturingOrdo {
  ordo: RunningOrdo;
  /** every log line Ordo wrote (level debug) */
  logs: string[];
  /** every answer any RecordingClient received */
  answers: string[];
  admin(): Promise<RecordingClient>;
  client(email: string, password: string): Promise<RecordingClient>;
  close(): Promise<void>;
}

export class RecordingClient extends ApiClient {
  constructor(
    baseUrl: string,
    private readonly sink: string[],
  ) {
    super(baseUrl);
  }
  override async request<T = any>(method: string, urlPath: string, body?: unknown, extra: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await super.request<T>(method, urlPath, body, extra);
    this.sink.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? null));
    return res;
  }
}

export async function startCapturingOrdo(options: { label: string; env?: Record<string, string>; uri?: string }): Promise<CapturingOrdo> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-int-'));
  const logs: string[] = [];
  const answers: string[] = [];
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    MONGODB_URI: options.uri ?? testDatabaseUri(options.label),
    ORDO_ADMIN_EMAIL: ADMIN.email,
    ORDO_ADMIN_PASSWORD: ADMIN.password,
    DESIGNER_AUTOBUILD: 'false',
    WEBHOOK_POLL_MS: '100',
    ...options.env,
  });
  const ordo = await startOrdo(config, { serveDesigner: false, logDestination: { write: (line: string) => void logs.push(line) } });
  return {
    ordo,
    logs,
    answers,
    admin: () => new RecordingClient(ordo.url, answers).login(ADMIN.email, ADMIN.password),
    client: (email, password) => new RecordingClient(ordo.url, answers).login(email, password),
    async close() {
      if (!options.uri) await ordo.connection.dropDatabase().catch(() => undefined);
      await ordo.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Remote {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on loopback; the handler answers each request (after its body is read). */
export async function startRemote(handler: (req: SeenRequest, res: http.ServerResponse) => void | Promise<void>): Promise<Remote> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      void Promise.resolve(handler(r, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Fails with the offending place when a secret shows up in any captured text. */
export function expectNoSecretIn(texts: readonly string[], secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    const hit = texts.find((t) => t.includes(secret));
    if (hit) throw new Error(`secret ${secret.slice(0, 3)}… leaked in ${where}: ${hit.slice(0, 300)}`);
  }
}

/** The body of an API order (POST /api/orders) from a customer in Gent, for tests that only need an order to exist. */
export function apiOrder(customer: string, lines: Array<{ sku: string; name: string; quantity: number; unitPrice: number }>) {
  return {
    channel: 'api',
    customer: { name: customer, email: `${customer.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@example.com` },
    shippingAddress: { line1: '5 Flow Road', city: 'Gent', postcode: '9000', country: 'BE' },
    currency: 'EUR',
    lines,
  };
}

/** A flow that waits in a receive task for the message "shipment.dispatched" (inbound webhook tests). */
export const AWAIT_SHIPMENT_FLOW = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_ship" targetNamespace="http://ordo.dev/test">
  <bpmn:message id="MsgShipped" name="shipment.dispatched" />
  <bpmn:process id="await-shipment" name="Await shipment" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="waitShipment" />
    <bpmn:receiveTask id="waitShipment" name="Wait for the dispatch" messageRef="MsgShipped" />
    <bpmn:sequenceFlow id="f2" sourceRef="waitShipment" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
