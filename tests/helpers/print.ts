/**
 * Shared by the print and template tests: orders shaped like workflows/model/order.ts inserted into
 * the real `orders` collection (keyed by number, as the orders module stores them), and the
 * Debian poppler/zbar tools that read a PDF back.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import type { Order } from '../../workflows/model/order';

const SURNAMES = ['王', '李', '張', '陳', '刘', '黃', '趙', '周'];
const GIVEN = ['小明', '美玲', '志強', '淑芬', '建国', '雅婷', '家豪', '秀英'];

export function makeOrder(i: number, overrides: Partial<Order> = {}): Order {
  const number = `SO-2026-${String(100000 + i).padStart(6, '0')}`;
  const lines = Array.from({ length: 3 + (i % 4) }, (_, j) => {
    const quantity = 1 + ((i + j) % 5);
    const unitPrice = 10 + j * 2.5;
    return { sku: `SKU-${i}-${j}`, name: `商品 ${j + 1} 號 Item ${j + 1}`, quantity, unitPrice, unit: 'pcs', lineTotal: Math.round(quantity * unitPrice * 100) / 100 };
  });
  const subtotal = Math.round(lines.reduce((s, l) => s + l.lineTotal, 0) * 100) / 100;
  const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 3) % GIVEN.length]}`;
  return {
    id: number,
    number,
    channel: 'web',
    customer: { name, email: `c${i}@example.com` },
    shippingAddress: { name, line1: `中山路 ${i + 1} 号`, city: '上海', postcode: '200000', country: 'CN' },
    lines,
    currency: 'CNY',
    totals: { subtotal, shipping: 10, tax: 0, total: subtotal + 10 },
    priority: 'normal',
    type: 'standard',
    attachments: [],
    status: 'allocated',
    allocation: { warehouse: i % 2 ? 'WH-A' : 'WH-B' },
    shipment: { carrier: i % 3 ? 'SF Express' : 'EMS', trackingNumber: `TRK${1000000 + i}`, trackingUrl: `https://track.example.com/TRK${1000000 + i}` },
    createdAt: new Date(Date.UTC(2026, 10, 1, 8, i % 60)).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 10, 1, 9)).toISOString(),
    ...overrides,
  };
}

/** Stores orders the way the orders module does: the number is the _id. */
export async function insertOrders(connection: Connection, orders: Order[]): Promise<void> {
  await connection.collection('orders').insertMany(orders.map(({ id: _id, ...rest }) => ({ _id, ...rest })) as never[]);
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-pdf-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function withPdf<T>(pdf: Buffer, fn: (file: string, dir: string) => T): T {
  return withTempDir((dir) => {
    const file = path.join(dir, 'doc.pdf');
    fs.writeFileSync(file, pdf);
    return fn(file, dir);
  });
}

export const pdfText = (pdf: Buffer, page?: number): string =>
  withPdf(pdf, (file) => execFileSync('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-layout', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));

export const pdfPages = (pdf: Buffer): number =>
  withPdf(pdf, (file) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1] ?? 0));

export const pdfInfo = (pdf: Buffer): string => withPdf(pdf, (file) => execFileSync('pdfinfo', [file], { encoding: 'utf8' }));

/** `pdffonts` rows: name, type, embedded. */
export function pdfFonts(pdf: Buffer): Array<{ name: string; type: string; embedded: boolean }> {
  const out = withPdf(pdf, (file) => execFileSync('pdffonts', [file], { encoding: 'utf8' }));
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => {
      const cols = l.trim().split(/\s{2,}/);
      return { name: cols[0], type: cols[1], embedded: / yes +(yes|no) +(yes|no) +\d+ +\d+$/.test(l) };
    });
}

/** Renders one page to PNG (150 dpi) and decodes every barcode on it with zbarimg. */
export function decodeBarcodes(pdf: Buffer, page = 1): string[] {
  return withPdf(pdf, (file, dir) => {
    execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', '-f', String(page), '-l', String(page), file, path.join(dir, 'page')]);
    try {
      return execFileSync('zbarimg', ['-q', path.join(dir, 'page.png')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n')
        .filter(Boolean);
    } catch (err) {
      if ((err as { status?: number }).status === 4) return []; // zbarimg: no symbol found
      throw err;
    }
  });
}

export async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting; last value ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Signs in like ApiClient, but answers raw bytes (PDF downloads and previews). */
export class BinaryClient {
  private cookie = '';
  private csrf = '';
  constructor(readonly baseUrl: string) {}

  async login(email: string, password: string): Promise<this> {
    const res = await fetch(`${this.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    this.cookie = (res.headers.getSetCookie().find((c) => c.startsWith('ordo_session=')) ?? '').split(';')[0];
    const me = await fetch(`${this.baseUrl}/api/auth/me`, { headers: { cookie: this.cookie } });
    this.csrf = ((await me.json()) as { csrfToken: string }).csrfToken;
    return this;
  }

  async bytes(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; data: Buffer }> {
    const h: Record<string, string> = { cookie: this.cookie, ...headers };
    if (method !== 'GET') h['x-csrf-token'] = this.csrf;
    let payload: Uint8Array | string | undefined;
    if (Buffer.isBuffer(body)) payload = new Uint8Array(body);
    else if (body !== undefined) {
      h['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(this.baseUrl + urlPath, { method, headers: h, body: payload });
    return { status: res.status, headers: res.headers, data: Buffer.from(await res.arrayBuffer()) };
  }
}

/** `pdfimages -list` rows as {width, height}: the raster images a PDF really carries. */
export function pdfImages(pdf: Buffer): Array<{ width: number; height: number }> {
  const out = withPdf(pdf, (file) => execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }));
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => {
      const cols = l.trim().split(/\s+/);
      return { width: Number(cols[3]), height: Number(cols[4]) };
    });
}
