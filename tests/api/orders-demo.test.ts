/** Demo data: loaded through the API on an empty database (history + live orders), refused afterwards, also by the npm script. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';

describe('demo data', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'orders_demo' });
  });
  afterAll(() => ordo.close());

  it('given an empty database, then the sample orders load across channels and states, reports and search see them, and a second load is refused', async () => {
    const admin = await adminClient(ordo);
    expect((await admin.get('/api/orders/demo-data')).body).toEqual({ canLoad: true });
    const loaded = await admin.post('/api/orders/demo-data', {});
    expect(loaded.status).toBe(201);
    expect(loaded.body).toEqual({ historical: 260, live: 40 });
    expect((await admin.get('/api/orders/demo-data')).body).toEqual({ canLoad: false });

    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 31 * 86_400_000).toISOString().slice(0, 10);
    const report = (await admin.get(`/api/reports/orders?from=${from}&to=${today}`)).body;
    expect(report.totals.orders).toBe(300);
    const channels = report.perDay.reduce((acc: Record<string, number>, d: { channel: Record<string, number> }) => {
      for (const [k, v] of Object.entries(d.channel)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {});
    for (const c of ['api', 'web', 'email', 'phone', 'import', 'store']) expect(channels[c]).toBeGreaterThan(20);
    const statuses = new Set(report.perDay.flatMap((d: { status: Record<string, number> }) => Object.entries(d.status).filter(([, n]) => n > 0).map(([s]) => s)));
    expect([...statuses]).toEqual(expect.arrayContaining(['allocated', 'shipped', 'delivered', 'rejected']));
    expect(report.cycleTimes.find((c: { step: string }) => c.step === 'in-review').count).toBeGreaterThan(100);
    // the sample history's three warehouses, plus those the live orders' flows allocate at the reference ERP
    expect(report.allocationByWarehouse.map((w: { warehouse: string }) => w.warehouse)).toEqual(expect.arrayContaining(['WH-Rotterdam', 'WH-Leipzig', 'WH-Kaohsiung']));
    expect(report.slaBreachesByWarehouse.some((w: { warehouse: string | null; breaches: number }) => w.warehouse !== null && w.breaches > 0)).toBe(true);
    expect(report.topSkus.length).toBe(20);
    const delivered = await admin.get('/api/orders?status=delivered&limit=5');
    expect(delivered.body.items).toHaveLength(5);
    const detail = (await admin.get(`/api/orders/${delivered.body.items[0].number}`)).body;
    expect(detail.timeline.filter((e: { kind: string }) => e.kind === 'status').length).toBeGreaterThan(5);
    // the newest orders are the live ones (their flows run now); one still on its way has an ETA from the history
    const newest = await admin.get('/api/orders?limit=20');
    const open = newest.body.items.find((r: { status: string }) => !['delivered', 'cancelled', 'rejected'].includes(r.status));
    const fresh = (await admin.get(`/api/orders/${open.number}`)).body;
    expect(fresh.eta.basis).toMatch(/median step durations of the last \d+ orders/);

    expect((await admin.post('/api/orders/demo-data', {})).status).toBe(409);
  });

  it('the npm script refuses a database that already holds orders', () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(__dirname, '..', '..', 'scripts', 'load-demo-data.ts')], {
      env: { ...process.env, MONGODB_URI: ordo.config.mongodbUri, DATA_DIR: ordo.config.dataDir, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout).toMatch(/already holds orders/);
    expect(r.status).toBe(1);
  });
});
