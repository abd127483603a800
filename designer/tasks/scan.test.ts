import fs from 'node:fs';
import path from 'node:path';
import { parseScan, WedgeDetector } from './scan';
import { prepareTemplate, printData } from '../../server/printing/document';
import { qrSvg } from '../../server/printing/handlebars-env';
import { SAMPLE_ORDER } from '../../workflows/print/sample-order';

const feed = (d: WedgeDetector, text: string, start: number, gap: number) => {
  let t = start;
  let out: string | undefined;
  for (const ch of [...text, 'Enter']) {
    out = d.feed(ch === 'Enter' ? 'Enter' : ch, t) ?? out;
    t += gap;
  }
  return out;
};

describe('scan to work', () => {
  it('given a scanner burst ending in Enter, then the code is recognised; a person typing the same is not', () => {
    const d = new WedgeDetector();
    expect(feed(d, 'SO-2026-000123', 0, 8)).toBe('SO-2026-000123');
    expect(feed(d, 'SO-2026-000123', 10_000, 150)).toBeUndefined();
  });

  it('given a person typing and then a scan, then only the burst counts', () => {
    const d = new WedgeDetector();
    d.feed('x', 0);
    d.feed('y', 300);
    expect(feed(d, 'SO-2026-000777', 600, 5)).toBe('SO-2026-000777');
  });

  it('given a short burst or a modifier key in between, then nothing is recognised', () => {
    const d = new WedgeDetector();
    expect(feed(d, 'abc', 0, 5)).toBeUndefined();
    d.feed('S', 1000);
    d.feed('O', 1005);
    d.feed('ArrowDown', 1010);
    expect(feed(d, '-2026', 1015, 5)).toBeUndefined();
  });

  it('finds the order number in a Code128 value, a URL or lower-case text', () => {
    expect(parseScan('SO-2026-000123')).toEqual({ orderNumber: 'SO-2026-000123' });
    expect(parseScan('https://shop.example/track?o=so-2026-000042&x=1')).toEqual({ orderNumber: 'SO-2026-000042' });
    expect(parseScan('1Z999AA10123456784')).toBeUndefined();
  });

  it('given the shipped packing slip of an order not yet shipped, then its QR code carries the order number and a scan of it opens that order', () => {
    const slip = JSON.parse(fs.readFileSync(path.join(__dirname, '../../workflows/templates/packing-slip.template.json'), 'utf8'));
    const order = { ...SAMPLE_ORDER, shipment: undefined };
    const data = printData(order);
    // every QR the slip prints: the value its template path gives for this order
    const paths = [...(slip.compiled.html as string).matchAll(/\{\{qrcode ([\w.]+)\}\}/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(0);
    const value = (p: string) => p.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data);
    expect(paths.map((p) => parseScan(String(value(p) ?? '')))).toEqual(paths.map(() => ({ orderNumber: order.number })));
    // and the rendered slip holds that very QR code, printed before the order ships
    const rendered = prepareTemplate(slip.compiled).render(order);
    expect(rendered.html).toContain(qrSvg(order.number));
  });
});
