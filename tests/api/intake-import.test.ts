/**
 * CSV and XLSX import over real HTTP: files generated in the test (exceljs for XLSX), a column
 * mapping step, row-level errors before anything exists, all-or-nothing commit with progress.
 */
import ExcelJS from 'exceljs';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';
import { useTestConnection } from '../helpers/db';
import { createLogger } from '../../server/infra/logger';
import { AuditService } from '../../server/audit/audit.service';
import { createOrdersModule } from '../../server/orders';
import { ANONYMOUS } from '../../server/auth/principal';

const HEADER = ['Order No', 'Customer', 'E-mail', 'Street', 'City', 'ZIP', 'Country', 'Currency', 'Item Code', 'Description', 'Qty', 'Unit Price'];

function rows(n: number, prefix: string): string[][] {
  return Array.from({ length: n }, (_, i) => [`${prefix}-${Math.floor(i / 2)}`, `Customer ${Math.floor(i / 2)}`, `c${Math.floor(i / 2)}@${prefix.toLowerCase()}.test`, `${Math.floor(i / 2)} Main St`, 'Utrecht', '3511 AB', 'NL', 'EUR', `SKU-${i % 7}`, `Part ${i % 7}`, String(1 + (i % 3)), '2.50']);
}

const csvOf = (data: string[][]) => data.map((r) => r.map((c) => (/[",]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n');

async function xlsxOf(data: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Orders');
  data.forEach((r, i) => ws.addRow(i === 0 ? r : r.map((c, j) => (j >= 10 ? Number(c) : c))));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

let importKey = '';
async function upload(_client: ApiClient, ordo: RunningOrdo, body: Buffer | string, filename: string, type: string) {
  const res = await fetch(`${ordo.url}/api/intake/imports?filename=${encodeURIComponent(filename)}`, { method: 'POST', headers: { authorization: `Bearer ${importKey}`, 'content-type': type }, body });
  return { status: res.status, body: (await res.json()) as any };
}

describe('CSV and XLSX import', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'intake_import', env: { IMPORT_MAX_MB: '1' } });
    admin = await adminClient(ordo);
    importKey = (await admin.post('/api/api-keys', { name: 'erp', scopes: ['orders.import'] })).body.key;
  });
  afterAll(() => ordo.close());

  const waitFor = async (id: string, status: string[]) => {
    for (let i = 0; i < 400; i++) {
      const r = await admin.get(`/api/intake/imports/${id}`);
      if (status.includes(r.body.status)) return r.body;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('import did not finish');
  };

  it('given a CSV file, then upload suggests a mapping, the check finds no errors and the commit creates every order with progress', async () => {
    const up = await upload(admin, ordo, csvOf([HEADER, ...rows(40, 'CSV')]), 'orders.csv', 'text/csv');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ kind: 'csv', rowCount: 40, status: 'uploaded', columns: HEADER });
    expect(up.body.suggestedMapping).toMatchObject({ orderRef: 'Order No', 'customer.name': 'Customer', 'customer.email': 'E-mail', 'shippingAddress.postcode': 'ZIP', 'line.sku': 'Item Code', 'line.quantity': 'Qty', 'line.unitPrice': 'Unit Price' });
    expect(up.body.sample[0]).toMatchObject({ Customer: 'Customer 0', Qty: '1' });
    const checked = await admin.post(`/api/intake/imports/${up.body.id}/mapping`, { mapping: up.body.suggestedMapping });
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ status: 'validated', errorCount: 0, orderCount: 20 });
    const commit = await admin.post(`/api/intake/imports/${up.body.id}/commit`, {});
    expect(commit.status).toBe(202);
    expect(commit.body.status).toBe('committing');
    const done = await waitFor(up.body.id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', progress: { done: 20, total: 20, percent: 100 } });
    expect(done.numbers).toHaveLength(20);
    const o = (await admin.get(`/api/orders/${done.numbers[0]}`)).body;
    expect(o).toMatchObject({ channel: 'import', externalId: 'CSV-0', importBatch: up.body.id, shippingAddress: { postcode: '3511 AB', country: 'NL' } });
    expect(o.lines).toHaveLength(2);
    // each order's order.created event reaches the webhook outbox once, after the commit (handed on in the background)
    const outbox = ordo.connection.collection<{ type: string; payload: string }>('webhookOutbox');
    const created = async () => (await outbox.find({ type: 'order.created' }).toArray()).map((e) => (JSON.parse(e.payload) as { number: string }).number).filter((n) => done.numbers.includes(n));
    for (let i = 0; i < 200 && (await created()).length < 20; i++) await new Promise((res) => setTimeout(res, 100));
    expect((await created()).sort()).toEqual([...done.numbers].sort());
    // the same file again: every order reference already exists → row errors, nothing created
    const again = await upload(admin, ordo, csvOf([HEADER, ...rows(40, 'CSV')]), 'orders.csv', 'text/csv');
    const recheck = await admin.post(`/api/intake/imports/${again.body.id}/mapping`, { mapping: up.body.suggestedMapping });
    expect(recheck.body.status).toBe('invalid');
    expect(recheck.body.errors[0]).toMatchObject({ row: 2, column: 'Order No', message: 'order CSV-0 was already imported' });
    expect((await admin.post(`/api/intake/imports/${again.body.id}/commit`, {})).status).toBe(409);
  });

  it('given an XLSX workbook with bad rows, then every error names its row and column and nothing is created', async () => {
    const data = [HEADER, ...rows(6, 'XL')];
    data[2][10] = '-4'; // row 3, Qty
    data[5][6] = 'Atlantis'; // row 6, Country
    data[4][1] = 'Someone Else'; // row 5: same order XL-1 as row 4, different customer
    data[6][8] = ''; // row 7, Item Code missing
    const up = await upload(admin, ordo, await xlsxOf(data), 'orders.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(up.status).toBe(201);
    expect(up.body.kind).toBe('xlsx');
    const before = await ordo.connection.collection('orders').countDocuments({ channel: 'import' });
    const checked = await admin.post(`/api/intake/imports/${up.body.id}/mapping`, { mapping: up.body.suggestedMapping });
    expect(checked.body.status).toBe('invalid');
    const found = checked.body.errors.map((e: { row: number; column?: string }) => `${e.row}:${e.column}`);
    expect(found).toEqual(expect.arrayContaining(['3:Qty', '6:Country', '5:Customer', '7:Item Code']));
    expect(await ordo.connection.collection('orders').countDocuments({ channel: 'import' })).toBe(before);
  });

  it('refuses a mapping without the required fields, a malformed CSV, non-UTF-8 text and an oversize file', async () => {
    const up = await upload(admin, ordo, csvOf([HEADER, ...rows(2, 'MAP')]), 'orders.csv', 'text/csv');
    const bad = await admin.post(`/api/intake/imports/${up.body.id}/mapping`, { mapping: { 'customer.name': 'Customer', 'line.sku': 'Nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['mapping.line.sku', 'mapping.currency', 'mapping.line.quantity']));
    const broken = await upload(admin, ordo, 'a,b\n"unclosed,2\n', 'broken.csv', 'text/csv');
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].path).toMatch(/row/);
    const latin1 = await upload(admin, ordo, Buffer.concat([Buffer.from('Customer,City\nJos'), Buffer.from([0xe9]), Buffer.from(',Li\n')]), 'latin1.csv', 'text/csv');
    expect(latin1.status).toBe(400);
    expect(latin1.body.errors[0]).toMatchObject({ path: '(file) row 2' });
    const huge = await upload(admin, ordo, 'x'.repeat(1.5 * 1024 * 1024), 'huge.csv', 'text/csv');
    expect(huge.status).toBe(413);
    const asJson = await admin.post('/api/intake/imports', { rows: [] });
    expect(asJson.status).toBe(400);
  });

  it('given a file whose order reference was taken after the check, then the commit fails and creates nothing', async () => {
    const up = await upload(admin, ordo, csvOf([HEADER, ...rows(10, 'ATOM')]), 'atomic.csv', 'text/csv');
    const checked = await admin.post(`/api/intake/imports/${up.body.id}/mapping`, { mapping: up.body.suggestedMapping });
    expect(checked.body.status).toBe('validated');
    // between check and commit another channel takes the external id of the last order of the file
    await ordo.connection.collection('orderKeys').insertOne({ _id: 'ext:import:ATOM-4' as never, number: 'SO-2000-000001', requestHash: 'x', at: new Date(0) });
    await ordo.connection.collection('orders').insertOne({ _id: 'SO-2000-000001' as never, number: 'SO-2000-000001', events: [], receipt: '{}' });
    await admin.post(`/api/intake/imports/${up.body.id}/commit`, {});
    const done = await waitFor(up.body.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.failure).toMatch(/ATOM-4|changed/);
    expect(await ordo.connection.collection('orders').countDocuments({ importBatch: up.body.id })).toBe(0);
    expect(await ordo.connection.collection('orderKeys').countDocuments({ _id: 'ext:import:ATOM-0' as never })).toBe(0);
  });
});

describe('all or nothing per file (service level, real database)', () => {
  const db = useTestConnection('import_atomic');

  it('given an order that cannot be inserted in the middle of a batch, then every order inserted before it and every claim is removed', async () => {
    const logger = createLogger({ level: 'silent' });
    const mod = createOrdersModule({ connection: db.connection, logger, audit: new AuditService(db.connection), startLoop: false });
    const year = new Date().getUTCFullYear();
    // a fresh database hands out SO-<year>-000001 first: make the third number collide
    await db.connection.collection('orders').insertOne({ _id: `SO-${year}-000003` as never, number: 'occupied', events: [], receipt: '{}' });
    const prepared = Array.from({ length: 5 }, (_, i) =>
      mod.orders.prepare({ externalId: `BATCH-${i}`, customer: { name: `C${i}` }, shippingAddress: { line1: 'x', city: 'y', postcode: '1000', country: 'BE' }, currency: 'EUR', lines: [{ sku: 'A', name: 'a', quantity: 1, unitPrice: 1 }] }, { channel: 'import' }),
    );
    await expect(mod.orders.acceptBatch(prepared, { principal: ANONYMOUS, channel: 'import' }, 'batch-1')).rejects.toMatchObject({ code: 11000 });
    expect(await db.connection.collection('orders').countDocuments({ importBatch: 'batch-1' })).toBe(0);
    expect(await db.connection.collection('orders').countDocuments({})).toBe(1);
    expect(await db.connection.collection('orderKeys').countDocuments({})).toBe(0);
    expect(await db.connection.collection('orderOutbox').countDocuments({})).toBe(0);
    await mod.close();
  });
});
