/**
 * Paper closes the loop with the inbox: every QR code the shipped packing slip prints holds the
 * order number that the inbox's scan parser (designer/tasks/scan → findOrderNumber) opens. It spans
 * the printing module and the order model, so it lives here rather than beside either.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findOrderNumber } from '../../workflows/model/order';
import { prepareTemplate, printData } from '../../server/printing/document';
import { qrSvg } from '../../server/printing/handlebars-env';
import { SAMPLE_ORDER } from '../../workflows/print/sample-order';

describe('packing slip scan', () => {
  it('given the shipped packing slip of an order not yet shipped, then its QR code carries the order number and a scan of it opens that order', () => {
    const slip = JSON.parse(fs.readFileSync(path.join(__dirname, '../../workflows/templates/packing-slip.template.json'), 'utf8'));
    const order = { ...SAMPLE_ORDER, shipment: undefined };
    const data = printData(order);
    // every QR the slip prints: the value its template path gives for this order
    const paths = [...(slip.compiled.html as string).matchAll(/\{\{qrcode ([\w.]+)\}\}/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(0);
    const value = (p: string) => p.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data);
    expect(paths.map((p) => findOrderNumber(String(value(p) ?? '')))).toEqual(paths.map(() => order.number));
    // and the rendered slip holds that very QR code, printed before the order ships
    const rendered = prepareTemplate(slip.compiled).render(order);
    expect(rendered.html).toContain(qrSvg(order.number));
  });
});
