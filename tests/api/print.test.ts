/**
 * Printing end to end over real HTTP: the reference packing slip rendered by Debian's chromium for
 * orders in the real database, read back with pdftotext / pdffonts / pdftoppm + zbarimg.
 */
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';
import { BinaryClient, decodeBarcodes, insertOrders, makeOrder, pdfFonts, pdfPages, pdfText, waitFor } from '../helpers/print';

const OPERATOR = { email: 'operator@test.local', password: 'operator-password-1' };
const VIEWER = { email: 'viewer@test.local', password: 'viewer-password-1' };

describe('printing: one order, batches, history and reprints (real chromium, real database)', () => {
  let ordo: RunningOrdo;
  let operator: ApiClient;
  let operatorBytes: BinaryClient;
  const orders = Array.from({ length: 50 }, (_, i) => makeOrder(i));

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'print', env: { PRINT_BATCH_MAX: '60' } });
    const admin = await adminClient(ordo);
    await admin.post('/api/users', { email: OPERATOR.email, name: 'Operator', role: 'operator', password: OPERATOR.password });
    await admin.post('/api/users', { email: VIEWER.email, name: 'Viewer', role: 'viewer', password: VIEWER.password });
    operator = await new ApiClient(ordo.url).login(OPERATOR.email, OPERATOR.password);
    operatorBytes = await new BinaryClient(ordo.url).login(OPERATOR.email, OPERATOR.password);
    await insertOrders(ordo.connection, orders);
  }, 60_000);
  afterAll(() => ordo.close());

  it('given the reference packing slip and an order with a Chinese name, when an operator prints it, then the stored PDF holds the number, every line, a decodable Code128 and embedded Latin and CJK fonts', async () => {
    const order = orders[7];
    const res = await operator.post(`/api/print/orders/${order.number}`, { templateKey: 'packing-slip' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'single', status: 'completed', pages: 1, template: { key: 'packing-slip', version: 1 }, orderNumbers: [order.number], requestedBy: OPERATOR.email });

    const pdf = await operatorBytes.bytes('GET', res.body.downloadUrl);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const text = pdfText(pdf.data);
    expect(text).toContain(order.number);
    expect(text).toContain(order.customer.name); // 黃家豪-style names, drawn with Noto CJK
    for (const line of order.lines) {
      expect(text).toContain(line.sku);
      expect(text).toContain(line.name);
    }
    // the order number twice: Code128 and the QR code a scanner opens the order with (scan to work)
    expect(decodeBarcodes(pdf.data).sort()).toEqual([`CODE-128:${order.number}`, `QR-Code:${order.number}`]);
    const fonts = pdfFonts(pdf.data);
    expect(fonts.every((f) => f.embedded)).toBe(true);
    expect(fonts.some((f) => /DejaVuSans/.test(f.name))).toBe(true); // Latin
    expect(fonts.some((f) => f.type === 'Type 3')).toBe(true); // Noto CJK (Chromium embeds CFF fonts as Type 3)
  });

  it('given 50 allocated orders, when an operator batch-prints them, then progress is pollable and one PDF of 50+ pages holds every order number, with the batch in each order’s history', async () => {
    const started = await operator.post('/api/print/batches', { templateKey: 'packing-slip', orderIds: orders.map((o) => o.number) });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ kind: 'batch', progress: { done: 0, total: 50 } });
    const job = await waitFor(
      async () => (await operator.get(`/api/print/jobs/${started.body.id}`)).body,
      (j) => j.status !== 'queued' && j.status !== 'running',
    );
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ status: 'completed', failures: [], progress: { done: 50, total: 50 } });
    expect(job.pages).toBeGreaterThanOrEqual(50);

    const pdf = await operatorBytes.bytes('GET', job.downloadUrl);
    expect(pdfPages(pdf.data)).toBe(job.pages);
    const text = pdfText(pdf.data);
    for (const o of orders) expect(text).toContain(o.number);
    // documents stay in the requested order: page 30 is the 30th order's slip
    expect(pdfText(pdf.data, 30)).toContain(orders[29].number);
    expect(decodeBarcodes(pdf.data, 30)).toContain(`CODE-128:${orders[29].number}`);

    const history = await operator.get(`/api/print/jobs?orderId=${orders[12].number}`);
    expect(history.body.map((j: { id: string }) => j.id)).toContain(job.id);
  });

  it('given a printed job, when it is reprinted with a reason, then a new record points at it and the same PDF downloads again', async () => {
    const first = await operator.post(`/api/print/orders/${orders[3].number}`, { templateKey: 'invoice' });
    expect(first.status).toBe(201);
    const noReason = await operator.post(`/api/print/jobs/${first.body.id}/reprint`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors[0].path).toBe('reason');

    const again = await operator.post(`/api/print/jobs/${first.body.id}/reprint`, { reason: 'label printer jammed' });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ kind: 'reprint', reprintOf: first.body.id, reason: 'label printer jammed', status: 'completed', template: first.body.template, orderNumbers: [orders[3].number] });
    const a = await operatorBytes.bytes('GET', first.body.downloadUrl);
    const b = await operatorBytes.bytes('GET', again.body.downloadUrl);
    expect(b.data.equals(a.data)).toBe(true);
    expect(pdfText(b.data)).toContain('Invoice');

    const history = (await operator.get(`/api/print/jobs?orderId=${orders[3].number}`)).body as Array<{ kind: string; reason?: string }>;
    expect(history.map((j) => j.kind)).toEqual(expect.arrayContaining(['single', 'reprint']));
  });

  it('given a search for warehouse WH-A grouped by carrier, when batch-printed, then exactly the matching orders print, carrier by carrier', async () => {
    const started = await operator.post('/api/print/batches', { templateKey: 'shipping-label', filter: { status: 'allocated', warehouse: 'WH-A' }, groupBy: 'carrier' });
    expect(started.status).toBe(202);
    const expected = orders.filter((o) => o.allocation?.warehouse === 'WH-A');
    expect(started.body.progress.total).toBe(expected.length);
    const byCarrier = [...expected].sort((x, y) => x.shipment!.carrier!.localeCompare(y.shipment!.carrier!) || x.number.localeCompare(y.number));
    expect(started.body.orderIds).toEqual(byCarrier.map((o) => o.number));
    const job = await waitFor(
      async () => (await operator.get(`/api/print/jobs/${started.body.id}`)).body,
      (j) => j.status === 'completed' || j.status === 'failed',
    );
    expect(job.status).toBe('completed');
    expect(job.pages).toBe(expected.length);
    const firstLabel = pdfText((await operatorBytes.bytes('GET', job.downloadUrl)).data, 1);
    expect(firstLabel).toContain(byCarrier[0].number);
  });

  it('given more orders than the configured batch maximum (PRINT_BATCH_MAX=60), when a batch is requested, then it is refused with the limit and nothing is recorded', async () => {
    const before = (await operator.get('/api/print/jobs?limit=200')).body.length;
    const ids = Array.from({ length: 61 }, (_, i) => `SO-2026-9${String(i).padStart(5, '0')}`);
    const res = await operator.post('/api/print/batches', { templateKey: 'packing-slip', orderIds: ids });
    expect(res.status).toBe(422);
    expect(res.body.limit).toBe(60);
    expect(res.body.title).toMatch(/at most 60 orders; this one has 61/);
    expect((await operator.get('/api/print/jobs?limit=200')).body.length).toBe(before);
  });

  it('refuses what the caller may not do or what does not exist, naming it', async () => {
    const viewer = await new ApiClient(ordo.url).login(VIEWER.email, VIEWER.password);
    expect((await viewer.post(`/api/print/orders/${orders[0].number}`, { templateKey: 'packing-slip' })).status).toBe(403);
    const unknownOrder = await operator.post('/api/print/orders/SO-2099-000001', { templateKey: 'packing-slip' });
    expect(unknownOrder.status).toBe(404);
    expect(unknownOrder.body.title).toMatch(/SO-2099-000001/);
    const unknownTemplate = await operator.post(`/api/print/orders/${orders[0].number}`, { templateKey: 'no-such-template' });
    expect(unknownTemplate.status).toBe(404);
    const both = await operator.post('/api/print/batches', { templateKey: 'packing-slip', orderIds: ['x'], filter: { warehouse: 'WH-A' } });
    expect(both.status).toBe(400);
    const extra = await operator.post('/api/print/batches', { templateKey: 'packing-slip', orderIds: ['x'], copies: 2 });
    expect(extra.status).toBe(400);
  });
});
