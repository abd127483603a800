/**
 * The reference ERP: a small express app implementing the documented API (API.md, and
 * GET /openapi.json generated from the same zod schemas it validates with). It stands in for a real
 * finance / inventory / production system so the reference flow works out of the box, and the
 * tests and benches use it as the remote system. Writes are idempotent by Idempotency-Key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response, type NextFunction } from 'express';
import { z, type ZodType } from 'zod';
import { demoData, type ErpState } from './demo-data';

const sku = z.string().trim().toUpperCase().regex(/^[A-Z0-9-]{2,40}$/, 'must be an upper-case SKU');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

export const erpSchemas = {
  stockQuery: z.object({ sku: z.union([sku, z.array(sku)]).optional(), warehouse: z.string().optional() }),
  reservationBody: z.strictObject({
    orderId: z.string().min(1).max(80),
    warehouse: z.string().optional().describe('reserve in this warehouse; omitted = the first that can serve every line'),
    lines: z.array(z.strictObject({ sku, quantity: z.number().int().positive() })).min(1).max(200),
  }),
  invoiceBody: z.strictObject({
    orderId: z.string().min(1).max(80),
    customerId: z.string().min(1),
    currency: z.string().regex(/^[A-Z]{3}$/),
    lines: z.array(z.strictObject({ sku, description: z.string().max(200).optional(), quantity: z.number().positive(), unitPrice: z.number().nonnegative() })).min(1).max(500),
  }),
  paymentBody: z.strictObject({ amount: z.number().positive(), reference: z.string().min(1).max(80), paidAt: z.iso.datetime().optional() }),
  capacityQuery: z.object({ line: z.string().optional(), from: isoDate, days: z.coerce.number().int().min(1).max(90).default(7) }),
  workOrderBody: z.strictObject({ orderId: z.string().min(1).max(80), sku, quantity: z.number().int().positive(), line: z.string().optional(), dueDate: isoDate }),
};

export interface ReferenceErpOptions {
  /** callers send it as X-Api-Key */
  apiKey: string;
  /** keep the data in this JSON file across restarts (default: in memory only) */
  dataFile?: string;
}

class ErpFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const dayAfter = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

function parse<T>(schema: ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ErpFault(400, 'VALIDATION', 'invalid request', { errors: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return r.data;
}

export function createReferenceErpApp(options: ReferenceErpOptions): { app: express.Express; state: () => ErpState } {
  const state: ErpState = options.dataFile && fs.existsSync(options.dataFile) ? (JSON.parse(fs.readFileSync(options.dataFile, 'utf8')) as ErpState) : demoData();
  const save = () => {
    if (options.dataFile) fs.writeFileSync(options.dataFile, JSON.stringify(state));
  };
  const nextId = (kind: keyof ErpState['counters'], prefix: string) => `${prefix}-${String(++state.counters[kind]).padStart(5, '0')}`;

  /** Runs a write once per Idempotency-Key; a replay answers what the first call answered. */
  function idempotent(req: Request, res: Response, write: () => { status: number; body: unknown }): void {
    const key = req.get('idempotency-key');
    const fingerprint = crypto.createHash('sha256').update(`${req.method} ${req.path} ${JSON.stringify(req.body)}`).digest('hex');
    if (key) {
      const seen = state.idempotency.find((i) => i.key === key);
      if (seen) {
        if (seen.fingerprint !== fingerprint) throw new ErpFault(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
        res.status(seen.status).set('Idempotent-Replayed', 'true').json(seen.body);
        return;
      }
    }
    const out = write();
    if (key) state.idempotency.push({ key, fingerprint, status: out.status, body: out.body });
    save();
    res.status(out.status).json(out.body);
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(express.json({ limit: '256kb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(referenceErpOpenApi());
  });
  app.use((req, _res, next) => {
    const given = req.get('x-api-key') ?? '';
    const ok = given.length === options.apiKey.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(options.apiKey));
    next(ok ? undefined : new ErpFault(401, 'UNAUTHENTICATED', 'missing or wrong X-Api-Key'));
  });

  // --- catalog -----------------------------------------------------------------------------
  app.get('/catalog/prices', (req, res) => {
    const raw = req.query.sku;
    const skus = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((x): x is string => typeof x === 'string').map((x) => x.trim().toUpperCase());
    if (skus.length > 200) throw new ErpFault(400, 'TOO_MANY_SKUS', 'at most 200 SKUs per request');
    const prices = Object.fromEntries(state.products.filter((p) => !skus.length || skus.includes(p.sku)).map((p) => [p.sku, p.unitPrice]));
    res.json({ prices, unknownSkus: skus.filter((k) => !(k in prices)) });
  });

  // --- inventory ---------------------------------------------------------------------------
  app.get('/inventory/stock', (req, res) => {
    const q = parse(erpSchemas.stockQuery, req.query);
    const skus = q.sku === undefined ? undefined : Array.isArray(q.sku) ? q.sku : [q.sku];
    const items = state.stock
      .filter((s) => (!skus || skus.includes(s.sku)) && (!q.warehouse || s.warehouse === q.warehouse))
      .map((s) => ({ sku: s.sku, warehouse: s.warehouse, country: state.warehouses.find((w) => w.id === s.warehouse)?.country, onHand: s.onHand, reserved: s.reserved, available: s.onHand - s.reserved, incoming: s.incoming ?? [] }));
    const unknown = (skus ?? []).filter((k) => !state.products.some((p) => p.sku === k));
    res.json({ items, unknownSkus: unknown });
  });

  app.post('/inventory/reservations', (req, res) => {
    const body = parse(erpSchemas.reservationBody, req.body);
    idempotent(req, res, () => {
      const candidates = body.warehouse ? state.warehouses.filter((w) => w.id === body.warehouse) : state.warehouses;
      if (candidates.length === 0) throw new ErpFault(404, 'UNKNOWN_WAREHOUSE', `no warehouse ${body.warehouse}`);
      const available = (sk: string, wh: string) => {
        const s = state.stock.find((x) => x.sku === sk && x.warehouse === wh);
        return s ? s.onHand - s.reserved : 0;
      };
      const chosen = candidates.find((w) => body.lines.every((l) => available(l.sku, w.id) >= l.quantity));
      if (!chosen) {
        const wh = candidates[0].id;
        const shortages = body.lines.filter((l) => available(l.sku, wh) < l.quantity).map((l) => ({ sku: l.sku, requested: l.quantity, available: available(l.sku, wh) }));
        throw new ErpFault(409, 'INSUFFICIENT_STOCK', 'not enough stock in any single warehouse', { shortages });
      }
      for (const l of body.lines) state.stock.find((x) => x.sku === l.sku && x.warehouse === chosen.id)!.reserved += l.quantity;
      const reservation = { id: nextId('reservation', 'RSV'), orderId: body.orderId, warehouse: chosen.id, lines: body.lines, status: 'active' as const, createdAt: new Date().toISOString() };
      state.reservations.push(reservation);
      return { status: 201, body: { reservationId: reservation.id, orderId: reservation.orderId, warehouse: reservation.warehouse, lines: reservation.lines, status: reservation.status } };
    });
  });

  app.post('/inventory/reservations/:id/release', (req, res) => {
    const r = state.reservations.find((x) => x.id === req.params.id);
    if (!r) throw new ErpFault(404, 'UNKNOWN_RESERVATION', `no reservation ${req.params.id}`);
    if (r.status === 'active') {
      for (const l of r.lines) state.stock.find((x) => x.sku === l.sku && x.warehouse === r.warehouse)!.reserved -= l.quantity;
      r.status = 'released';
      save();
    }
    res.json({ reservationId: r.id, status: r.status });
  });

  // --- finance -----------------------------------------------------------------------------
  app.get('/finance/customers/:id/credit', (req, res) => {
    const c = state.customers.find((x) => x.id === req.params.id);
    if (!c) throw new ErpFault(404, 'UNKNOWN_CUSTOMER', `no customer ${req.params.id}`);
    res.json({ customerId: c.id, name: c.name, creditLimit: c.creditLimit, balance: c.balance, available: round2(c.creditLimit - c.balance), currency: c.currency, onHold: c.onHold });
  });

  app.post('/finance/invoices', (req, res) => {
    const body = parse(erpSchemas.invoiceBody, req.body);
    idempotent(req, res, () => {
      const c = state.customers.find((x) => x.id === body.customerId);
      if (!c) throw new ErpFault(404, 'UNKNOWN_CUSTOMER', `no customer ${body.customerId}`);
      const total = round2(body.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0));
      const id = nextId('invoice', 'INV');
      const invoice = { id, number: `${new Date().getUTCFullYear()}-${id.slice(4)}`, orderId: body.orderId, customerId: c.id, currency: body.currency, total, paid: 0, status: 'open' as const, createdAt: new Date().toISOString() };
      state.invoices.push(invoice);
      c.balance = round2(c.balance + total);
      return { status: 201, body: { invoiceId: invoice.id, number: invoice.number, orderId: invoice.orderId, customerId: c.id, currency: invoice.currency, total, status: invoice.status } };
    });
  });

  app.post('/finance/invoices/:id/payments', (req, res) => {
    const body = parse(erpSchemas.paymentBody, req.body);
    idempotent(req, res, () => {
      const inv = state.invoices.find((x) => x.id === req.params.id);
      if (!inv) throw new ErpFault(404, 'UNKNOWN_INVOICE', `no invoice ${req.params.id}`);
      const due = round2(inv.total - inv.paid);
      if (body.amount > due) throw new ErpFault(409, 'OVERPAYMENT', `the balance due is ${due}`, { balanceDue: due });
      inv.paid = round2(inv.paid + body.amount);
      inv.status = inv.paid >= inv.total ? 'paid' : 'partially-paid';
      const c = state.customers.find((x) => x.id === inv.customerId);
      if (c) c.balance = round2(c.balance - body.amount);
      const payment = { id: nextId('payment', 'PAY'), invoiceId: inv.id, amount: body.amount, reference: body.reference, paidAt: body.paidAt ?? new Date().toISOString() };
      state.payments.push(payment);
      return { status: 201, body: { paymentId: payment.id, invoiceId: inv.id, amount: payment.amount, invoiceStatus: inv.status, balanceDue: round2(inv.total - inv.paid) } };
    });
  });

  // --- production --------------------------------------------------------------------------
  const bookedOn = (line: string, date: string) => state.bookings.filter((b) => b.line === line && b.date === date).reduce((s, b) => s + b.quantity, 0);

  app.get('/production/capacity', (req, res) => {
    const q = parse(erpSchemas.capacityQuery, req.query);
    const lines = state.lines.filter((l) => !q.line || l.id === q.line);
    if (q.line && lines.length === 0) throw new ErpFault(404, 'UNKNOWN_LINE', `no line ${q.line}`);
    const days = Array.from({ length: q.days }, (_, i) => dayAfter(q.from, i));
    res.json({
      days: lines.flatMap((l) => days.map((date) => ({ line: l.id, date, capacity: l.dailyCapacity, booked: bookedOn(l.id, date), available: l.dailyCapacity - bookedOn(l.id, date) }))),
    });
  });

  app.post('/production/work-orders', (req, res) => {
    const body = parse(erpSchemas.workOrderBody, req.body);
    idempotent(req, res, () => {
      const lines = state.lines.filter((l) => !body.line || l.id === body.line);
      if (lines.length === 0) throw new ErpFault(404, 'UNKNOWN_LINE', `no line ${body.line}`);
      const today = new Date().toISOString().slice(0, 10);
      // the latest day on or before the due date with room, searching back to today
      for (let date = body.dueDate; date >= today; date = dayAfter(date, -1)) {
        const line = lines.find((l) => l.dailyCapacity - bookedOn(l.id, date) >= body.quantity);
        if (!line) continue;
        state.bookings.push({ line: line.id, date, quantity: body.quantity });
        const wo = { id: nextId('workOrder', 'WO'), orderId: body.orderId, sku: body.sku, quantity: body.quantity, line: line.id, date, status: 'planned' as const };
        state.workOrders.push(wo);
        return { status: 201, body: { workOrderId: wo.id, orderId: wo.orderId, sku: wo.sku, quantity: wo.quantity, line: wo.line, scheduledDate: wo.date, status: wo.status } };
      }
      throw new ErpFault(409, 'NO_CAPACITY', `no line has room for ${body.quantity} units between today and ${body.dueDate}`);
    });
  });

  app.use((req, _res, next) => next(new ErpFault(404, 'NOT_FOUND', `no route ${req.method} ${req.path}`)));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ErpFault) {
      res.status(err.status).json({ code: err.code, message: err.message, ...err.extra });
      return;
    }
    const status = (err as { status?: number }).status;
    if (status && status < 500) {
      res.status(status).json({ code: 'BAD_REQUEST', message: (err as Error).message });
      return;
    }
    res.status(500).json({ code: 'INTERNAL', message: 'internal error' });
  });

  return { app, state: () => state };
}

export interface RunningReferenceErp {
  url: string;
  port: number;
  state: () => ErpState;
  close(): Promise<void>;
}

/** Starts the reference ERP on loopback (port 0 = any free port). */
export async function startReferenceErp(options: ReferenceErpOptions & { host?: string; port?: number }): Promise<RunningReferenceErp> {
  const { app, state } = createReferenceErpApp(options);
  const server = http.createServer(app);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** OpenAPI 3.1 of the reference ERP, from the schemas above (importable by the REST connector builder). */
export function referenceErpOpenApi(): Record<string, unknown> {
  const js = (s: ZodType) => {
    const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return rest;
  };
  const json = (s: ZodType) => ({ required: true, content: { 'application/json': { schema: js(s) } } });
  const idem = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' }, description: 'repeat the call with the same key to get the first answer again' };
  const ok = { '200': { description: 'OK' } };
  const created = { '201': { description: 'Created' }, '409': { description: 'Business conflict (see code)' } };
  const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
  return {
    openapi: '3.1.0',
    info: { title: 'Ordo reference ERP', version: '1.0.0', description: 'Inventory, finance and production API used by the reference connectors. Authenticate with the X-Api-Key header.' },
    components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } } },
    security: [{ apiKey: [] }],
    paths: {
      '/inventory/stock': {
        get: {
          operationId: 'getStock',
          summary: 'Stock per SKU and warehouse',
          parameters: [
            { name: 'sku', in: 'query', schema: { type: 'string' }, description: 'repeat for several SKUs' },
            { name: 'warehouse', in: 'query', schema: { type: 'string' } },
          ],
          responses: ok,
        },
      },
      '/inventory/reservations': { post: { operationId: 'reserveStock', summary: 'Reserve stock for an order in one warehouse', parameters: [idem], requestBody: json(erpSchemas.reservationBody), responses: created } },
      '/inventory/reservations/{id}/release': { post: { operationId: 'releaseReservation', summary: 'Release a reservation (idempotent)', parameters: [pathParam('id')], responses: ok } },
      '/finance/customers/{id}/credit': { get: { operationId: 'getCustomerCredit', summary: 'Credit limit, balance and hold flag of a customer', parameters: [pathParam('id')], responses: ok } },
      '/finance/invoices': { post: { operationId: 'createInvoice', summary: 'Create an invoice for an order', parameters: [idem], requestBody: json(erpSchemas.invoiceBody), responses: created } },
      '/finance/invoices/{id}/payments': { post: { operationId: 'recordPayment', summary: 'Record a payment against an invoice', parameters: [pathParam('id'), idem], requestBody: json(erpSchemas.paymentBody), responses: created } },
      '/production/capacity': {
        get: {
          operationId: 'getCapacity',
          summary: 'Capacity per line and day',
          parameters: [
            { name: 'line', in: 'query', schema: { type: 'string' } },
            { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
            { name: 'days', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 90, default: 7 } },
          ],
          responses: ok,
        },
      },
      '/production/work-orders': { post: { operationId: 'createWorkOrder', summary: 'Plan a work order on the latest day with capacity before the due date', parameters: [idem], requestBody: json(erpSchemas.workOrderBody), responses: created } },
    },
  };
}
