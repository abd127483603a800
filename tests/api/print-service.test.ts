/**
 * The print service with settings the HTTP tests cannot reach: short time limits, small chunks,
 * a recording event sink, templates written straight into the database, a browser that goes away.
 * Real chromium, real database, a real HTTP server standing in for "the internet".
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { AuditService } from '../../server/audit/audit.service';
import type { ProgressEvent } from '../../server/contracts/realtime';
import type { Principal } from '../../server/auth/principal';
import { launchChromium, type LaunchedBrowser } from '../../server/infra/chromium';
import { createPrinting, type Printing } from '../../server/printing';
import { BASE_CSS } from '../../server/printing/compile';
import { printingModels } from '../../server/printing/printing.model';
import { pageCss, DEFAULT_PAPER } from '../../workflows/print/paper';
import { useTestConnection } from '../helpers/db';
import { decodeBarcodes, insertOrders, makeOrder, pdfText } from '../helpers/print';

const ADMIN: Principal = { kind: 'user', userId: 'u1', email: 'admin@test.local', name: 'Admin', role: 'admin', groups: [], permissions: new Set(), sessionId: 's', csrfToken: 'c' };
const logger = pino({ level: 'silent' });

describe('print service: time limits, cancel, progress events, render-time blocking, flows, browser restarts', () => {
  const db = useTestConnection('printsvc');
  let printing: Printing;
  const events: ProgressEvent[] = [];
  const launched: LaunchedBrowser[] = [];
  const orders = Array.from({ length: 24 }, (_, i) => makeOrder(200 + i));
  // one order so long that rendering it takes far longer than the time limit
  const huge = makeOrder(999, {
    lines: Array.from({ length: 20_000 }, (_, j) => ({ sku: `BULK-${j}`, name: `批量 item ${j}`, quantity: 1, unitPrice: 1, unit: 'pcs', lineTotal: 1 })),
  });

  const download = async (jobId: string) => {
    const chunks: Buffer[] = [];
    for await (const c of (await printing.print.openPdf(jobId)).stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };

  beforeAll(async () => {
    await insertOrders(db.connection, [...orders, huge]);
    printing = await createPrinting(
      { connection: db.connection, audit: new AuditService(db.connection), logger },
      {
        limits: { documentTimeoutMs: 4000, chunkSize: 4, maxBatch: 100 },
        events: { progress: (e) => events.push(e) },
        launch: async () => {
          const b = await launchChromium();
          launched.push(b);
          return b;
        },
      },
    );
  }, 60_000);
  afterAll(() => printing?.close());

  it('given a batch with one document that exceeds its time limit, when printed, then that order is named as failed and every other document is in the PDF', async () => {
    const batch = [orders[0], orders[1], huge, orders[2], orders[3], orders[4]];
    const started = await printing.print.startBatch(ADMIN, { templateKey: 'packing-slip', orderIds: batch.map((o) => o.number) });
    await printing.print.settled(started.id);
    const job = await printing.print.job(started.id);
    expect(job.status).toBe('completed');
    expect(job.failures).toEqual([{ orderId: huge.number, orderNumber: huge.number, reason: expect.stringMatching(/order SO-2026-100999 exceeded the time limit of 4000 ms/) }]);
    expect(job.progress).toEqual({ done: 6, total: 6 });
    const text = pdfText(await download(job.id));
    for (const o of batch.filter((o) => o !== huge)) expect(text).toContain(o.number);
    expect(text).not.toContain(huge.number);
    expect(printing.renderer.stats.timeouts).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('given a running batch, when it is cancelled, then it stops between chunks, is recorded as cancelled, and the progress events say so', async () => {
    events.length = 0;
    const started = await printing.print.startBatch(ADMIN, { templateKey: 'packing-slip', orderIds: orders.map((o) => o.number) });
    // cancel as soon as the first chunk is reported
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (events.some((e) => e.jobId === started.id && e.done > 0)) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const cancelling = await printing.print.cancel(ADMIN, started.id);
    expect(cancelling.id).toBe(started.id);
    await printing.print.settled(started.id);
    const job = await printing.print.job(started.id);
    expect(job.status).toBe('cancelled');
    expect(job.progress.done).toBeLessThan(orders.length);
    expect(job.downloadUrl).toBeUndefined();
    const mine = events.filter((e) => e.jobId === started.id);
    expect(mine[0]).toMatchObject({ kind: 'print', status: 'running', done: 0, total: orders.length });
    expect(mine.at(-1)).toMatchObject({ status: 'cancelled' });
    await expect(printing.print.cancel(ADMIN, started.id)).rejects.toMatchObject({ status: 409 });
  }, 120_000);

  it('given a template that bypassed the save-time cleaning, when rendered, then no script runs and no request leaves the page', async () => {
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('body{color:red}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const now = new Date();
      const hostile = {
        html: `<div class="ordo-document"><h1>Order {{number}}</h1><script>document.write('SCRIPT-RAN')</script><img src="${base}/logo.png"><div style="background:url(${base}/bg.png)">x</div><iframe src="${base}/frame"></iframe><link rel="stylesheet" href="${base}/link.css"><div onmouseover="x()">{{barcode number "code128"}}</div></div>`,
        css: `@import url(${base}/import.css);\n${BASE_CSS}\n@font-face{font-family:X;src:url(${base}/font.woff)}\nh1{font-family:X}\n${pageCss(DEFAULT_PAPER)}`,
      };
      await printingModels(db.connection).Template.create({
        key: 'legacy-hostile',
        version: 1,
        status: 'published',
        name: 'Written straight into the database',
        paper: DEFAULT_PAPER,
        projectData: '{}',
        compiled: hostile,
        removed: [],
        revision: 1,
        createdAt: now,
        createdBy: 'test',
        updatedAt: now,
        updatedBy: 'test',
      });
      const job = await printing.print.printOrder(ADMIN, orders[5].number, { templateKey: 'legacy-hostile' });
      expect(job.status).toBe('completed');
      const pdf = await download(job.id);
      const text = pdfText(pdf);
      expect(text).toContain(`Order ${orders[5].number}`);
      expect(text).not.toContain('SCRIPT-RAN');
      expect(decodeBarcodes(pdf)).toContain(`CODE-128:${orders[5].number}`);
      expect(hits).toEqual([]);
    } finally {
      server.close();
    }
  }, 60_000);

  it('given a flow print task, when the DocumentPrinter prints, then the PDF lands in the order’s history, and a retry with the same idempotency key does not print twice', async () => {
    const printer = printing.documentPrinter;
    expect(await printer.has('shipping-label')).toBe(true);
    expect(await printer.has('no-such-template')).toBe(false);
    const ctx = { instanceId: 'inst-1', activityId: 'print-label', businessKey: orders[6].number, idempotencyKey: 'inst-1:print-label:1', attempt: 1 };
    const first = await printer.print('shipping-label', { orderId: orders[6].number }, ctx);
    expect(first).toEqual({ printJobId: expect.any(String), pages: 1 });
    const retry = await printer.print('shipping-label', { orderId: orders[6].number }, { ...ctx, attempt: 2 });
    expect(retry.printJobId).toBe(first.printJobId);
    const history = await printing.print.jobs({ orderId: orders[6].number });
    expect(history.filter((j) => j.kind === 'flow')).toHaveLength(1);
    expect(history[0]).toMatchObject({ kind: 'flow', requestedBy: 'flow inst-1', template: { key: 'shipping-label', version: 1 } });
    await expect(printer.print('shipping-label', { orderId: 'SO-2099-000404' }, { ...ctx, idempotencyKey: 'other' })).rejects.toMatchObject({ bpmnErrorCode: 'PRINT_NOT_FOUND' });
  }, 60_000);

  it('given the browser goes away, when the next document is rendered, then a new browser is started and the print succeeds', async () => {
    const before = printing.renderer.stats.launches;
    await launched.at(-1)!.close(); // as if chromium crashed or was killed
    const job = await printing.print.printOrder(ADMIN, orders[7].number, { templateKey: 'packing-slip' });
    expect(job.status).toBe('completed');
    expect(printing.renderer.stats.launches).toBe(before + 1);
  }, 60_000);
});
