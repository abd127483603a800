/**
 * Pure parts of printing: cleaning, placeholder analysis, barcodes, the reference templates being
 * what their sources compile to.
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { Removals, sanitizeCss, sanitizeHtml } from './sanitize';
import { barcodeSvg, missingFields, qrSvg } from './handlebars-env';
import { prepareTemplate } from './document';
import { compileProject } from './compile';
import { buildReferenceTemplate, REFERENCE_SOURCES } from './reference/build';
import { REFERENCE_TEMPLATES_DIR } from './index';
import { orderFields } from '../../workflows/print/fields';
import { SAMPLE_ORDER } from '../../workflows/print/sample-order';
import orderSchema from '../../workflows/schemas/order.schema.json';

describe('sanitising template HTML and CSS', () => {
  it('removes active content and outside references, keeps inline data, uploaded images and placeholders', () => {
    const r = new Removals();
    const html = sanitizeHtml(
      '<div onclick="x()" class="a"><script>alert(1)</script><img src="http://x/y.png"><img src="data:image/png;base64,iVBORw0KGgo="><img src="/api/templates/assets/0123456789abcdef01234567"><a href="javascript:alert(1)">j</a><a href="https://track.example/1">t</a><svg><animate attributeName="href" to="javascript:x"/></svg><iframe srcdoc="x"></iframe><img src="{{logoUrl}}"><table><tbody>{{#each lines}}<tr><td>{{sku}}</td></tr>{{/each}}</tbody></table>{{{raw}}}{{> partial}}</div>',
      r,
    );
    expect(html).toBe(
      '<div class="a"><img><img src="data:image/png;base64,iVBORw0KGgo="><img src="/api/templates/assets/0123456789abcdef01234567"><a>j</a><a href="https://track.example/1">t</a><svg></svg><img src="{{logoUrl}}"><table><tbody>{{#each lines}}<tr><td>{{sku}}</td></tr>{{/each}}</tbody></table>{{raw}}</div>',
    );
    expect(r.items).toEqual(
      expect.arrayContaining(['event attribute onclick', '<script> element', 'external URL src="http://x/y.png"', '<animate> element', '<iframe> element', 'partial or decorator']),
    );
  });

  it('drops @import, external url() and script expressions from CSS but keeps the rest', () => {
    const r = new Removals();
    const css = sanitizeCss('@import url(http://x/a.css); @page{size:A4} .a{color:red;background:url(https://x/b.png)} .b{width:expression(alert(1));height:2mm} @font-face{font-family:F;src:url(data:font/woff2;base64,AAAA)}', r);
    expect(css).not.toMatch(/@import|https:|expression/);
    expect(css).toContain('@page{size:A4}');
    expect(css).toContain('color:red');
    expect(css).toContain('height:2mm');
    expect(css).toContain('url(data:font/woff2;base64,AAAA)');
    expect(r.items).toHaveLength(3);
  });
});

describe('rendering placeholders', () => {
  const template = prepareTemplate({
    html: '<h1>{{number}}</h1><p>{{customer.name}} {{customer.fax}}</p>{{#if billingAddress}}{{billingAddress.vat}}{{/if}}{{#each lines}}<i>{{sku}}{{color}}</i>{{/each}}<b>{{formatMoney totals.total @root.currency}}</b>',
    css: '',
  });

  it('escapes values, renders a missing field empty and lists it, and follows the branch {{#if}} takes', () => {
    const order = { ...SAMPLE_ORDER, billingAddress: undefined, customer: { name: '<b>Evil & Co</b>' }, lines: SAMPLE_ORDER.lines.slice(0, 2) };
    const out = template.render(order);
    expect(out.html).toContain('<p>&lt;b&gt;Evil &amp; Co&lt;/b&gt; </p>');
    expect(out.html).toContain('<b>CNY 351.99</b>');
    expect(out.warnings).toEqual(['missing field customer.fax', 'missing field lines[0].color', 'missing field lines[1].color']);
  });

  it('analyses parent paths and @root inside loops', () => {
    const ast = Handlebars.parse('{{#each lines}}{{../number}}{{@root.currency}}{{@index}}{{../nope}}{{/each}}{{#with shipment}}{{carrier}}{{eta}}{{/with}}');
    expect(missingFields(ast, SAMPLE_ORDER)).toEqual(['nope', 'shipment.eta']);
  });

  it('draws Code128 and QR codes as inline SVG', () => {
    expect(barcodeSvg('SO-1')).toMatch(/^<svg preserveAspectRatio="none" role="img" aria-label="SO-1" viewBox=/);
    expect(qrSvg('https://x.example/1')).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"/);
  });
});

describe('order fields for the designer', () => {
  it('come from the order schema plus the computed parts, and are all valid placeholders', () => {
    const fields = orderFields(orderSchema as Parameters<typeof orderFields>[0]);
    const paths = fields.map((f) => `${f.scope}:${f.path}`);
    expect(paths).toEqual(expect.arrayContaining(['order:number', 'order:customer.name', 'order:shippingAddress.city', 'line:sku', 'line:quantity', 'line:no', 'order:totals.total']));
    const required = ['number', 'status', 'createdAt', 'currency', 'customer.name', 'shippingAddress.line1', 'shippingAddress.city', 'shippingAddress.country', 'totals.total'];
    const out = prepareTemplate({ html: fields.filter((f) => f.scope === 'order').map((f) => `{{${f.path}}}`).join('|'), css: '' }).render(SAMPLE_ORDER);
    expect(out.warnings.filter((w) => required.some((r) => w === `missing field ${r}`))).toEqual([]);
    expect(paths.filter((p) => !/^(order|line):[A-Za-z_][\w.]*$/.test(p))).toEqual([]);
  });
});

describe('reference templates', () => {
  it.each(REFERENCE_SOURCES.map((s) => [s.key, s] as const))('%s.template.json is what its HTML/CSS source compiles to', (key, source) => {
    const file = JSON.parse(fs.readFileSync(path.join(REFERENCE_TEMPLATES_DIR, `${key}.template.json`), 'utf8'));
    const fresh = buildReferenceTemplate(source);
    expect(file.compiled).toEqual(fresh.compiled);
    // and re-compiling the stored project data (as loading does) gives the same again
    expect(compileProject(file.projectData, file.paper).compiled).toEqual(file.compiled);
  });
});
