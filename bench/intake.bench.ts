/**
 * Intake and query figures on the embedded FerretDB:
 *  1. POST /api/orders at 50 concurrent connections for 10 s (autocannon): every order is
 *     normalised, validated, numbered, stored with its flow-start record, indexed; orders/s, p50/p99.
 *     Then the time until the flow starter has started every accepted order's flow (with the
 *     workflow runtime wired this is the time until those flows reach their first wait), and per
 *     order the time from intake (the order's createdAt) to its flow at its first wait state (the
 *     shipped order-fulfilment flow: manual review or packing task, or its end): flow.startedAt is
 *     written once startInstance returned, and an instance is saved at its first wait. Measured
 *     twice: one order at a time on an idle node, and for every order of the load (p50/p99).
 *     Next to it, the raw libraries in the same run: a bare express handler that inserts the same
 *     JSON body into a collection of the same FerretDB with the mongodb driver (vs_raw = Ordo's
 *     orders/s over that handler's inserts/s: what validation, numbering, the idempotency and
 *     flow-start records and the index cost).
 *  2. 100,000 historical orders bulk-loaded into a second database, then search latency p50/p99
 *     for number, customer e-mail and status + 7-day range, and the time of a 30- and 365-day report.
 * Last line: one JSON object with orders_per_s, p50_ms, p99_ms and the rest.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { MongoClient } from 'mongodb';
import { ensureFerretdbBinary, startFerretdb } from '../server/db/ferretdb';
import { connectDatabase } from '../server/db/connection';
import { loadConfig } from '../server/config';
import { startOrdo } from '../server/main';
import { createLogger } from '../server/infra/logger';
import { AuditService } from '../server/audit/audit.service';
import { createOrdersModule } from '../server/orders';
import { rng, sampleInput, simulateHistory } from '../server/orders/sample-orders';
import { ANONYMOUS } from '../server/auth/principal';
import { ORDER_STATUSES } from '../workflows/model/order';

/** the part of autocannon's API this bench uses (the package ships no types) */
interface CannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p99: number };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: { url: string; method: string; connections: number; duration: number; headers: Record<string, string>; body: string }) => Promise<CannonResult>;

const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const BULK = Number(process.env.BENCH_ORDERS ?? 100_000);
const say = (s: string) => process.stdout.write(`${s}\n`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10;
};

/** The raw baseline: express.json() and one insertOne per request, nothing else. */
async function rawInsertLoad(uri: string, body: string): Promise<{ perS: number; p50: number; p99: number }> {
  const client = await MongoClient.connect(uri);
  const collection = client.db().collection('orders');
  const app = express();
  let inFlight = 0;
  app.post('/orders', express.json({ limit: '1mb' }), (req, res, next) => {
    inFlight++;
    collection
      .insertOne({ ...req.body, receivedAt: new Date() })
      .then(() => res.status(201).json({ ok: 1 }), next)
      .finally(() => inFlight--);
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  try {
    await autocannon({ url, method: 'POST', connections: 10, duration: 1, headers: { 'content-type': 'application/json' }, body });
    const r = await autocannon({ url, method: 'POST', connections: CONNECTIONS, duration: LOAD_SECONDS, headers: { 'content-type': 'application/json' }, body });
    return { perS: Math.round(r['2xx'] / LOAD_SECONDS), p50: r.latency.p50, p99: r.latency.p99 };
  } finally {
    // the inserts the load generator stopped waiting for still finish before the client closes
    await new Promise((resolve) => server.close(resolve));
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await client.close();
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-bench-intake-'));
  const db = await startFerretdb({ dataDir: path.join(dir, 'db'), binary: ensureFerretdbBinary({ progress: say }) });
  const admin = { email: 'bench@bench.local', password: 'bench-password-1' };
  const ordo = await startOrdo(
    loadConfig({ NODE_ENV: 'production', PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'silent', MONGODB_URI: db.uri.replace(/\/[^/]*$/, '/bench_intake'), ORDO_ADMIN_EMAIL: admin.email, ORDO_ADMIN_PASSWORD: admin.password, DESIGNER_AUTOBUILD: 'false' }),
    { serveDesigner: false },
  );
  const figures: Record<string, unknown> = { bench: 'intake' };
  try {
    // an API key with orders.write, created the way an admin does it
    const login = await fetch(`${ordo.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    const me = (await (await fetch(`${ordo.url}/api/auth/me`, { headers: { cookie } })).json()) as { csrfToken: string };
    const created = (await (await fetch(`${ordo.url}/api/api-keys`, { method: 'POST', headers: { cookie, 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', scopes: ['orders.write'] }) })).json()) as { key: string };
    const body = JSON.stringify(sampleInput(1, rng(1)));
    const orders = ordo.connection.collection<{ _id: string; createdAt: Date; flow: { status: string; startedAt?: Date } }>('orders');
    /** intake → first wait of each order's flow (ms), for the orders whose flow has started */
    const firstWaits = async (exclude: ReadonlySet<string>) => {
      const docs = await orders.find({}, { projection: { createdAt: 1, flow: 1 } }).toArray();
      const started = docs.filter((d) => !exclude.has(d._id) && d.flow.status === 'started' && d.flow.startedAt);
      return { ms: started.map((d) => new Date(d.flow.startedAt!).getTime() - new Date(d.createdAt).getTime()), of: docs.length - exclude.size };
    };

    // 0. one order at a time on the idle node: intake → its flow at the first wait
    const IDLE_ORDERS = 10;
    say(`0. intake → first wait of the order's flow, ${IDLE_ORDERS} orders one at a time (idle node)`);
    const idle = new Set<string>();
    for (let i = 0; i < IDLE_ORDERS; i++) {
      const res = await fetch(`${ordo.url}/api/orders`, { method: 'POST', headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' }, body: JSON.stringify(sampleInput(1000 + i, rng(1000 + i))) });
      const { number } = (await res.json()) as { number: string };
      idle.add(number);
      const until = Date.now() + 60_000;
      while ((await orders.findOne({ _id: number }, { projection: { flow: 1 } }))?.flow.status !== 'started' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    }
    const idleWaits = await firstWaits(new Set());
    const idleFigures = { first_wait_idle_p50_ms: pct(idleWaits.ms, 0.5), first_wait_idle_p99_ms: pct(idleWaits.ms, 0.99) };
    Object.assign(figures, idleFigures);
    say(`   p50 ${idleFigures.first_wait_idle_p50_ms} ms, p99 ${idleFigures.first_wait_idle_p99_ms} ms (${idleWaits.ms.length} of ${IDLE_ORDERS} reached it)`);

    say(`1. POST /api/orders, ${CONNECTIONS} connections, ${LOAD_SECONDS} s`);
    await autocannon({ url: `${ordo.url}/api/orders`, method: 'POST', connections: 10, duration: 1, headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' }, body });
    const result = await autocannon({ url: `${ordo.url}/api/orders`, method: 'POST', connections: CONNECTIONS, duration: LOAD_SECONDS, headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' }, body });
    const loadEnded = Date.now();
    const accepted = result['2xx'];
    const ordersPerS = Math.round(accepted / LOAD_SECONDS);
    // the flow starter works after the answers: wait until every accepted order's flow is started
    const outbox = ordo.connection.collection('orderOutbox');
    let pending = await outbox.countDocuments({});
    while (pending > 0 && Date.now() - loadEnded < 120_000) {
      await new Promise((r) => setTimeout(r, 100));
      pending = await outbox.countDocuments({});
    }
    const flowsStartedMs = Date.now() - loadEnded;
    // orders still waiting for their flow after the bound are left out of the percentiles (counted in flow_starts_pending)
    const loadWaits = await firstWaits(idle);
    Object.assign(figures, {
      orders_per_s: ordersPerS,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      non_2xx: result.non2xx,
      errors: result.errors,
      flow_backlog_cleared_ms: flowsStartedMs,
      flow_starts_pending: pending,
      first_wait_p50_ms: pct(loadWaits.ms, 0.5),
      first_wait_p99_ms: pct(loadWaits.ms, 0.99),
      first_wait_measured: loadWaits.ms.length,
    });
    say(`   ${accepted} orders accepted: ${ordersPerS} orders/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`);
    say(`   flow starts caught up ${flowsStartedMs} ms after the load ended (${pending} still pending)`);
    say(`   intake → first wait under this load: p50 ${figures.first_wait_p50_ms} ms, p99 ${figures.first_wait_p99_ms} ms (${loadWaits.ms.length} of ${loadWaits.of} orders of the warm-up and the load reached it)`);
  } finally {
    await ordo.close();
  }

  say(`1b. raw: express + the mongodb driver inserting the same body, ${CONNECTIONS} connections, ${LOAD_SECONDS} s`);
  const raw = await rawInsertLoad(db.uri.replace(/\/[^/]*$/, '/bench_raw'), JSON.stringify(sampleInput(1, rng(1))));
  Object.assign(figures, { raw_orders_per_s: raw.perS, raw_p50_ms: raw.p50, raw_p99_ms: raw.p99, vs_raw: Math.round(((figures.orders_per_s as number) / raw.perS) * 100) / 100 });
  say(`   ${raw.perS} inserts/s, latency p50 ${raw.p50} ms, p99 ${raw.p99} ms; Ordo ${figures.orders_per_s} orders/s = ${figures.vs_raw}× raw`);

  say(`2. ${BULK.toLocaleString('en')} historical orders, bulk-loaded, then queries`);
  const connection = await connectDatabase(db.uri.replace(/\/[^/]*$/, '/bench_search'));
  const logger = createLogger({ level: 'silent' });
  const mod = createOrdersModule({ connection, logger, audit: new AuditService(connection), startLoop: false });
  try {
    const r = rng(42);
    const now = new Date();
    const t0 = performance.now();
    const year = now.getUTCFullYear();
    for (let done = 0; done < BULK; done += 5000) {
      const n = Math.min(5000, BULK - done);
      const prepared = Array.from({ length: n }, (_, i) => mod.orders.prepare(sampleInput(done + i, r), { channel: (['api', 'web', 'email', 'phone', 'import', 'store'] as const)[(done + i) % 6] }));
      const numbers = await mod.orders.allocateNumbers(year, n);
      const at = Array.from({ length: n }, () => new Date(now.getTime() - r() * 365 * 86_400_000));
      const docs = mod.orders.draftDocs(prepared, { principal: ANONYMOUS }, numbers, at).map((d) => simulateHistory(d, r, now));
      await mod.orders.insertHistorical(docs);
    }
    const loadedMs = performance.now() - t0;
    const t1 = performance.now();
    const rebuilt = await mod.rebuildIndex();
    const indexMs = performance.now() - t1;
    say(`   inserted in ${Math.round(loadedMs / 1000)} s, index rebuilt in ${Math.round(indexMs / 1000)} s (${rebuilt.buckets} buckets)`);
    Object.assign(figures, { bulk_orders: BULK, bulk_insert_s: Math.round(loadedMs / 1000), index_rebuild_s: Math.round(indexMs / 1000) });

    const sample = await connection.collection('orders').find({}, { projection: { _id: 1 } }).limit(2000).toArray();
    const numbers = sample.map((d) => String(d._id));
    const time = async (label: string, n: number, q: (i: number) => Promise<{ items: unknown[] }>) => {
      const ms: number[] = [];
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        hits += (await q(i)).items.length;
        ms.push(performance.now() - s);
      }
      say(`   ${label.padEnd(22)} p50 ${pct(ms, 0.5)} ms  p99 ${pct(ms, 0.99)} ms  (${n} queries, ${(hits / n).toFixed(1)} rows each)`);
      return { p50: pct(ms, 0.5), p99: pct(ms, 0.99) };
    };
    const byNumber = await time('number', 100, (i) => mod.search.search({ number: numbers[(i * 17) % numbers.length] }));
    const byCustomer = await time('customer e-mail', 200, (i) => mod.search.search({ customer: `customer${(i * 31) % 2500}@example.com`, limit: 25 }));
    const byStatusDate = await time('status + 7 days', 200, (i) => {
      const to = new Date(now.getTime() - ((i * 7) % 350) * 86_400_000);
      return mod.search.search({ status: ORDER_STATUSES[[0, 1, 3, 6, 7, 10][i % 6]], from: new Date(to.getTime() - 7 * 86_400_000), to, limit: 25 });
    });
    const reportMs: Record<string, number> = {};
    for (const days of [30, 365]) {
      const from = new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = performance.now();
        const rep = await mod.reports.orders(from, now.toISOString().slice(0, 10));
        runs.push(performance.now() - s);
        if (i === 0) say(`   report ${days} days: ${rep.totals.orders} orders, ${rep.topSkus.length} top SKUs, ${rep.slaBreaches.open} open SLA breaches`);
      }
      reportMs[days] = pct(runs, 0.5);
      say(`   report ${String(days).padStart(3)} days          ${reportMs[days]} ms (median of 3)`);
    }
    Object.assign(figures, {
      search_number_p50_ms: byNumber.p50,
      search_number_p99_ms: byNumber.p99,
      search_customer_p50_ms: byCustomer.p50,
      search_customer_p99_ms: byCustomer.p99,
      search_status_date_p50_ms: byStatusDate.p50,
      search_status_date_p99_ms: byStatusDate.p99,
      report_30d_ms: reportMs[30],
      report_365d_ms: reportMs[365],
    });
  } finally {
    await mod.close();
    await connection.close();
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  say(JSON.stringify(figures));
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
