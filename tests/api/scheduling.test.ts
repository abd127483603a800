/**
 * The scheduling board over real HTTP, the real database and the reference ERP (its inventory and
 * production connectors are configured, as in a fresh install): the board's cells, capacity from
 * Ordo and from the production connector, each reason a move is refused, a move that goes through
 * (allocation, timeline, audit, board), record scopes and bad input.
 */
import type { RunningOrdo } from '../../server/main';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import { json, startRemote, type Remote } from '../helpers/connectors';
import { AuditService } from '../../server/audit/audit.service';
import { SchedulingService } from '../../server/scheduling/scheduling.service';
import { CapacityStore } from '../../server/scheduling/capacity-store';
import { dayFromToday, plannedOrder, recordFlowsOnly } from './scheduling.fixtures';

interface Cell {
  date: string;
  used: number;
  capacity: number | null;
  source: string;
  overloaded: boolean;
  orders: Array<{ number: string; customer: string; priority: string; total: number; status: string; skus: number; units: number; movable: boolean }>;
}
interface Resource {
  kind: 'warehouse' | 'productionLine';
  code: string;
  unit: string;
  cells: Cell[];
}

describe('scheduling board: load per warehouse, production line and day; moves re-run the allocation checks', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  const n: Record<string, string> = {};
  const d1 = dayFromToday(1);
  const d2 = dayFromToday(2);
  const d3 = dayFromToday(3);

  const board = async (c: ApiClient, from = dayFromToday(0), days = 5) => {
    const res = await c.get(`/api/scheduling/board?from=${from}&days=${days}`);
    expect(res.status).toBe(200);
    return res.body as { days: string[]; resources: Resource[]; unscheduled: Array<{ number: string }>; productionConnector: { configured: boolean } };
  };
  const cell = (b: { resources: Resource[] }, code: string, date: string) => b.resources.find((r) => r.code === code)?.cells.find((c) => c.date === date);
  const move = (c: ApiClient, body: Record<string, unknown>) => c.post('/api/scheduling/moves', body);

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'scheduling' });
    recordFlowsOnly(ordo);
    admin = await adminClient(ordo);
    expect((await admin.put('/api/scheduling/capacity', { warehouses: { 'WH-NORTH': 2, 'WH-SOUTH': 1 }, defaultWarehouse: 5, productionLines: {}, defaultProductionLine: 50 })).status).toBe(200);
    n.urgent = await plannedOrder(ordo, admin, { customer: 'Urgent Ute', priority: 'urgent', warehouse: 'WH-NORTH', day: 1, lines: [{ sku: 'CHAIR-OAK', quantity: 2 }, { sku: 'LAMP-STEEL', quantity: 1 }] });
    n.normal = await plannedOrder(ordo, admin, { customer: 'Normal Nils', warehouse: 'WH-NORTH', day: 1, lines: [{ sku: 'DESK-PINE', quantity: 1 }] });
    n.made = await plannedOrder(ordo, admin, { customer: 'Made Mia', productionLine: 'LINE-A', day: 2, lines: [{ sku: 'SOFA-LINEN', quantity: 30 }] });
    n.nodate = await plannedOrder(ordo, admin, { customer: 'Undated Udo', warehouse: 'WH-SOUTH', lines: [{ sku: 'CHAIR-OAK', quantity: 1 }] });
    n.shipped = await plannedOrder(ordo, admin, { customer: 'Shipped Sam', warehouse: 'WH-NORTH', day: 1, lines: [{ sku: 'CHAIR-OAK', quantity: 1 }], then: ['printed', 'packed', 'shipped'] });
    n.printed = await plannedOrder(ordo, admin, { customer: 'Printed Pia', warehouse: 'WH-SOUTH', day: 2, lines: [{ sku: 'CHAIR-OAK', quantity: 1 }], then: ['printed'] });
    n.rug = await plannedOrder(ordo, admin, { customer: 'Rug Rita', channel: 'phone', warehouse: 'WH-SOUTH', day: 3, lines: [{ sku: 'RUG-WOOL', quantity: 3 }, { sku: 'SOFA-LINEN', quantity: 1 }] });
  });
  afterAll(() => ordo?.close());

  it('given allocated orders, then the board shows each warehouse and line per day with its orders, capacity source and use; shipped orders are gone, undated ones listed apart', async () => {
    const b = await board(admin);
    expect(b.days).toEqual([dayFromToday(0), d1, d2, d3, dayFromToday(4)]);
    expect(b.productionConnector.configured).toBe(true);
    const north = cell(b, 'WH-NORTH', d1)!;
    expect(north).toMatchObject({ used: 2, capacity: 2, source: 'ordo', overloaded: false });
    // urgent first, then by number; the shipped order is no longer on the board
    expect(north.orders.map((o) => o.number)).toEqual([n.urgent, n.normal]);
    expect(north.orders[0]).toMatchObject({ customer: 'Urgent Ute', priority: 'urgent', total: 30, status: 'allocated', skus: 2, units: 3, movable: true });
    expect(cell(b, 'WH-SOUTH', d2)).toMatchObject({ used: 1, capacity: 1, orders: [expect.objectContaining({ number: n.printed, movable: false })] });
    // the production line is loaded in units, against the production connector's free capacity (reference ERP: 120 per day)
    const lineA = b.resources.find((r) => r.code === 'LINE-A')!;
    expect(lineA).toMatchObject({ kind: 'productionLine', unit: 'units' });
    expect(cell(b, 'LINE-A', d2)).toMatchObject({ used: 30, capacity: 120, source: 'connector', overloaded: false, orders: [expect.objectContaining({ number: n.made })] });
    expect(cell(b, 'LINE-B', d2)).toMatchObject({ used: 0, capacity: 40, source: 'connector' });
    expect(b.unscheduled.map((o) => o.number)).toEqual([n.nodate]);
    expect(JSON.stringify(b)).not.toContain(n.shipped);
  });

  it('given a lower capacity, then the cell is flagged overloaded; the change is validated and audited', async () => {
    const bad = await admin.put('/api/scheduling/capacity', { warehouses: { 'WH-NORTH': -1, '': 3 }, defaultWarehouse: 'many' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['warehouses.WH-NORTH', 'defaultWarehouse']));
    const current = (await admin.get('/api/scheduling/capacity')).body;
    expect(current.warehouses).toEqual({ 'WH-NORTH': 2, 'WH-SOUTH': 1 });
    expect((await admin.put('/api/scheduling/capacity', { ...current, updatedAt: undefined, updatedBy: undefined, warehouses: { 'WH-NORTH': 1, 'WH-SOUTH': 1 } })).status).toBe(200);
    expect(cell(await board(admin), 'WH-NORTH', d1)).toMatchObject({ used: 2, capacity: 1, overloaded: true });
    const audit = await admin.get('/api/audit?action=scheduling.capacity.update&limit=10');
    expect(audit.body[0]).toMatchObject({ actor: { label: 'admin@test.local' }, before: { warehouses: { 'WH-NORTH': 2 } }, after: { warehouses: { 'WH-NORTH': 1 } } });
    expect((await admin.put('/api/scheduling/capacity', { warehouses: { 'WH-NORTH': 2, 'WH-SOUTH': 1 }, defaultWarehouse: 5, productionLines: {}, defaultProductionLine: 50 })).status).toBe(200);
  });

  it('given a move into the past, then it is refused naming the date check', async () => {
    const res = await move(admin, { number: n.normal, warehouse: 'WH-NORTH', plannedShipDate: dayFromToday(-1) });
    expect(res.status).toBe(422);
    expect(res.body.failedChecks.map((c: { check: string }) => c.check)).toEqual(['date']);
    expect(res.body.title).toMatch(/in the past/);
  });

  it('given a full target day, then the move is refused naming the capacity check', async () => {
    // WH-SOUTH keeps 1 order a day and Pia’s printed order is already planned on d2
    const res = await move(admin, { number: n.normal, warehouse: 'WH-SOUTH', plannedShipDate: d2 });
    expect(res.status).toBe(422);
    expect(res.body.failedChecks).toEqual([{ check: 'capacity', message: expect.stringMatching(/WH-SOUTH has no capacity left on .*1 of 1 orders/) }]);
  });

  it('given a warehouse without every line in stock, then the move is refused naming the stock check (asked from the inventory connector)', async () => {
    // the reference ERP has no wool rugs at WH-NORTH
    const res = await move(admin, { number: n.rug, warehouse: 'WH-NORTH', plannedShipDate: d3 });
    expect(res.status).toBe(422);
    expect(res.body.failedChecks).toEqual([{ check: 'stock', message: 'WH-NORTH lacks stock: RUG-WOOL 0 of 3' }]);
  });

  it('given a production line without free capacity for the whole order, then the move is refused naming the capacity and production checks', async () => {
    const big = await plannedOrder(ordo, admin, { customer: 'Big Bo', productionLine: 'LINE-A', day: 4, lines: [{ sku: 'SOFA-LINEN', quantity: 100 }] });
    // the reference ERP's LINE-B makes 40 units a day
    const res = await move(admin, { number: big, productionLine: 'LINE-B', plannedShipDate: dayFromToday(4) });
    expect(res.status).toBe(422);
    expect(res.body.failedChecks).toEqual([
      { check: 'capacity', message: expect.stringMatching(/^LINE-B has no capacity left on .*: 0 of 40 units planned, this order needs 100 \(connector\)$/) },
      { check: 'production', message: 'LINE-B can produce only 40 more units that day, the order needs 100' },
    ]);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['capacity', 'production']);
  });

  it('given a printed order, then the move is refused with 409 naming the status check', async () => {
    const res = await move(admin, { number: n.printed, warehouse: 'WH-SOUTH', plannedShipDate: d3 });
    expect(res.status).toBe(409);
    expect(res.body.failedChecks).toEqual([{ check: 'status', message: expect.stringMatching(/the order is printed/) }]);
  });

  it('given every check passes, then the order moves: its allocation, a timeline event naming the planner, an audit entry, and the board', async () => {
    const d4 = dayFromToday(4);
    const res = await move(admin, { number: n.urgent, warehouse: 'WH-SOUTH', plannedShipDate: d4, note: 'north is full' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ number: n.urgent, from: { warehouse: 'WH-NORTH', plannedShipDate: d1 }, to: { warehouse: 'WH-SOUTH', plannedShipDate: d4 } });
    expect(res.body.checks.map((c: { check: string; ok: boolean }) => `${c.check}:${c.ok}`)).toEqual(['status:true', 'date:true', 'capacity:true', 'stock:true']);
    const order = (await admin.get(`/api/orders/${n.urgent}`)).body;
    expect(order.allocation).toMatchObject({ warehouse: 'WH-SOUTH', plannedShipDate: d4, strategy: 'TEST' });
    expect(order.timeline.map((e: { message: string }) => e.message)).toContain(`Moved by admin@test.local from WH-NORTH/${d1} to WH-SOUTH/${d4}: north is full`);
    const audit = (await admin.get(`/api/audit?action=scheduling.move&limit=10`)).body;
    expect(JSON.stringify(audit)).toContain(n.urgent);
    const b = await board(admin);
    expect(cell(b, 'WH-NORTH', d1)!.orders.map((o) => o.number)).toEqual([n.normal]);
    expect(cell(b, 'WH-SOUTH', d4)).toMatchObject({ used: 1, capacity: 1, overloaded: false, orders: [expect.objectContaining({ number: n.urgent })] });
    // the order list's warehouse filter follows the move too
    expect((await admin.get('/api/orders?warehouse=WH-SOUTH&limit=100')).body.items.map((r: { number: string }) => r.number)).toContain(n.urgent);
    // a production order moves to another day on its line
    const line = await move(admin, { number: n.made, productionLine: 'LINE-A', plannedShipDate: d3 });
    expect(line.status).toBe(200);
    expect(cell(await board(admin), 'LINE-A', d3)).toMatchObject({ used: 30, source: 'connector' });
  });

  it('given a planner limited to one warehouse, then the board shows only that warehouse and its orders, and orders elsewhere cannot be moved or moved in', async () => {
    const created = await admin.post('/api/users', { email: 'sud@test.local', name: 'Sud', role: 'operator', password: 'planner-pass-1', scope: { warehouses: ['WH-SOUTH'] } });
    expect(created.status).toBe(201);
    const sud = await new ApiClient(ordo.url).login('sud@test.local', 'planner-pass-1');
    const b = await board(sud);
    expect(b.resources.map((r) => r.code)).toEqual(['WH-SOUTH']);
    const seen = JSON.stringify(b);
    for (const other of [n.normal, n.made]) expect(seen).not.toContain(other);
    expect(seen).toContain(n.rug);
    expect(b.unscheduled.map((o) => o.number)).toEqual([n.nodate]);
    expect((await move(sud, { number: n.normal, warehouse: 'WH-SOUTH', plannedShipDate: d3 })).status).toBe(404);
    const out = await move(sud, { number: n.rug, warehouse: 'WH-NORTH', plannedShipDate: d3 });
    expect(out.status).toBe(422);
    expect(out.body.errors).toEqual([{ path: 'warehouse', message: 'is outside your record scope' }]);
  });

  it('given plan buckets lost (a database from before the board), when the one-time backfill runs, then the board shows the allocated orders again', async () => {
    const before = await board(admin);
    await ordo.connection.collection('orderIndexPlan').deleteMany({});
    expect((await board(admin)).resources.flatMap((r) => r.cells.flatMap((c) => c.orders))).toEqual([]);
    const audit = new AuditService(ordo.connection);
    const backfill = new SchedulingService({ buckets: ordo.orders.buckets, orders: ordo.orders.orders, capacity: new CapacityStore(ordo.connection, audit), facts: {}, audit });
    let claims = 0;
    expect(await backfill.backfillPlans(async () => ++claims === 1)).toBe(7);
    expect(await backfill.backfillPlans(async () => ++claims === 1)).toBe(0);
    expect(await board(admin)).toEqual({ ...before, generatedInMs: expect.any(Number) });
  });

  it('given bad input, then 4xx name the field; a viewer may look but not move', async () => {
    const badQuery = await admin.get('/api/scheduling/board?from=2026-13-40&days=0');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['query.days', 'query.from']);
    expect((await admin.get('/api/scheduling/board?days=32')).status).toBe(400);
    const both = await move(admin, { number: n.normal, warehouse: 'WH-SOUTH', productionLine: 'LINE-A', plannedShipDate: d3 });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([{ path: 'warehouse', message: 'give either a warehouse or a production line' }]);
    const noDate = await move(admin, { number: n.normal, warehouse: 'WH-SOUTH' });
    expect(noDate.status).toBe(400);
    expect(noDate.body.errors.map((e: { path: string }) => e.path)).toEqual(['plannedShipDate']);
    expect((await move(admin, { number: 'SO-2000-000001', warehouse: 'WH-SOUTH', plannedShipDate: d3 })).status).toBe(404);
    await admin.post('/api/users', { email: 'vic@test.local', name: 'Vic', role: 'viewer', password: 'viewer-pass-1' });
    const vic = await new ApiClient(ordo.url).login('vic@test.local', 'viewer-pass-1');
    expect((await vic.get('/api/scheduling/board')).status).toBe(200);
    expect((await move(vic, { number: n.normal, warehouse: 'WH-SOUTH', plannedShipDate: d3 })).status).toBe(403);
    expect((await vic.put('/api/scheduling/capacity', { warehouses: {} })).status).toBe(403);
    // nothing was half-written by the refused calls
    expect((await admin.get(`/api/orders/${n.normal}`)).body.allocation).toMatchObject({ warehouse: 'WH-NORTH', plannedShipDate: d1 });
  });
});

describe('scheduling board without the production and inventory connectors: Ordo’s own figures apply', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  const d1 = dayFromToday(1);

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'scheduling_no_erp', env: { REFERENCE_ERP: 'off' } });
    recordFlowsOnly(ordo);
    admin = await adminClient(ordo);
  });
  afterAll(() => ordo?.close());

  it('given no ERP, then production lines show Ordo’s figure or its default, stock is not checked, and Ordo’s line capacity decides a move', async () => {
    expect((await admin.put('/api/scheduling/capacity', { warehouses: {}, defaultWarehouse: 4, productionLines: { 'LINE-X': 10 }, defaultProductionLine: 25 })).status).toBe(200);
    const small = await plannedOrder(ordo, admin, { customer: 'Small Sid', productionLine: 'LINE-X', day: 1, lines: [{ sku: 'PART-1', quantity: 6 }] });
    const other = await plannedOrder(ordo, admin, { customer: 'Other Ola', productionLine: 'LINE-Y', day: 1, lines: [{ sku: 'PART-2', quantity: 5 }] });
    const stocked = await plannedOrder(ordo, admin, { customer: 'Ware Wim', warehouse: 'WH-1', day: 1, lines: [{ sku: 'PART-3', quantity: 500 }] });
    const res = await admin.get(`/api/scheduling/board?from=${d1}&days=1`);
    expect(res.body.productionConnector).toEqual({ configured: false });
    const cellOf = (code: string) => (res.body.resources as Array<{ code: string; cells: Array<Record<string, unknown>> }>).find((r) => r.code === code)!.cells[0];
    expect(cellOf('LINE-X')).toMatchObject({ used: 6, capacity: 10, source: 'ordo' });
    expect(cellOf('LINE-Y')).toMatchObject({ used: 5, capacity: 25, source: 'ordo-default' });
    expect(cellOf('WH-1')).toMatchObject({ used: 1, capacity: 4, source: 'ordo-default' });
    // LINE-X has 10 units a day in Ordo and 6 are planned: Ola's 5 do not fit
    const full = await admin.post('/api/scheduling/moves', { number: other, productionLine: 'LINE-X', plannedShipDate: d1 });
    expect(full.status).toBe(422);
    expect(full.body.failedChecks).toEqual([{ check: 'capacity', message: expect.stringMatching(/LINE-X has no capacity left on .*: 6 of 10 units planned, this order needs 5 \(ordo\)$/) }]);
    const moved = await admin.post('/api/scheduling/moves', { number: small, productionLine: 'LINE-Y', plannedShipDate: d1 });
    expect(moved.status).toBe(200);
    expect(moved.body.checks.find((c: { check: string }) => c.check === 'production').message).toBe('no production connector: Ordo’s own capacity figure applies');
    const toWarehouse = await admin.post('/api/scheduling/moves', { number: stocked, warehouse: 'WH-2', plannedShipDate: d1 });
    expect(toWarehouse.status).toBe(200);
    expect(toWarehouse.body.checks.find((c: { check: string }) => c.check === 'stock')).toEqual({ check: 'stock', ok: true, message: 'no inventory connector: stock is not checked' });
  });
});

describe('scheduling board with an ERP that fails: the board falls back and moves that need it are refused', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let erp: Remote;
  const d1 = dayFromToday(1);

  beforeAll(async () => {
    erp = await startRemote((_req, res) => json(res, 404, { code: 'GONE', message: 'no such thing' }));
    ordo = await startTestOrdo({ label: 'scheduling_erp_down', env: { ERP_URL: erp.url, ERP_API_KEY: 'test-key', ERP_ALLOW_NETWORKS: 'loopback' } });
    recordFlowsOnly(ordo);
    admin = await adminClient(ordo);
  });
  afterAll(async () => {
    await ordo?.close();
    await erp?.close();
  });

  it('given the production and inventory connectors fail, then the board says so and shows Ordo’s figures, and moves needing them name the failure', async () => {
    const made = await plannedOrder(ordo, admin, { customer: 'Made Max', productionLine: 'LINE-A', day: 1, lines: [{ sku: 'SOFA-LINEN', quantity: 2 }] });
    const ware = await plannedOrder(ordo, admin, { customer: 'Ware Wanda', warehouse: 'WH-NORTH', day: 1, lines: [{ sku: 'CHAIR-OAK', quantity: 1 }] });
    const board = (await admin.get(`/api/scheduling/board?from=${d1}&days=1`)).body;
    expect(board.productionConnector).toEqual({ configured: true, error: expect.any(String) });
    expect(board.resources.find((r: { code: string }) => r.code === 'LINE-A').cells[0]).toMatchObject({ used: 2, capacity: 100, source: 'ordo-default' });
    const line = await admin.post('/api/scheduling/moves', { number: made, productionLine: 'LINE-B', plannedShipDate: d1 });
    expect(line.status).toBe(422);
    expect(line.body.failedChecks).toEqual([{ check: 'production', message: expect.stringMatching(/^the production connector did not answer: /) }]);
    const wh = await admin.post('/api/scheduling/moves', { number: ware, warehouse: 'WH-SOUTH', plannedShipDate: d1 });
    expect(wh.status).toBe(422);
    expect(wh.body.failedChecks).toEqual([{ check: 'stock', message: expect.stringMatching(/^the inventory connector did not answer: /) }]);
    expect(erp.seen.some((r) => r.url.startsWith('/production/capacity'))).toBe(true);
    expect(erp.seen.some((r) => r.url.startsWith('/inventory/stock'))).toBe(true);
  });
});
