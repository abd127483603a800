/**
 * Print templates over real HTTP: reference templates on first start, draft → publish versions,
 * cleaning at save, images stored in the database, previews rendered by chromium.
 */
import zlib from 'node:zlib';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';
import { BinaryClient, decodeBarcodes, insertOrders, makeOrder, pdfImages, pdfInfo, pdfPages, pdfText } from '../helpers/print';

/** A GrapesJS project as the designer would send it (editor.getProjectData()). */
function project(components: unknown[], styles: unknown[] = []) {
  return { assets: [], styles, pages: [{ frames: [{ component: { type: 'wrapper', components } }] }], symbols: [], dataSources: [] };
}

const slip = project(
  [
    { type: 'ordo-header', tagName: 'header', attributes: { 'data-ordo-region': 'header' }, components: [{ type: 'text', tagName: 'h1', components: [{ type: 'textnode', content: 'Slip ' }, { type: 'ordo-field', attributes: { 'data-ordo-field': 'number', 'data-format': 'text' } }] }] },
    { type: 'ordo-barcode', attributes: { 'data-ordo-barcode': 'code128', 'data-value': 'number' }, classes: ['bc'] },
    {
      tagName: 'table',
      components: [
        {
          tagName: 'tbody',
          components: [
            {
              type: 'ordo-repeat',
              tagName: 'tr',
              attributes: { 'data-each': 'lines' },
              components: [
                { tagName: 'td', components: [{ type: 'ordo-field', attributes: { 'data-ordo-field': 'sku' } }] },
                { tagName: 'td', components: [{ type: 'ordo-field', attributes: { 'data-ordo-field': 'name' } }] },
              ],
            },
          ],
        },
      ],
    },
    { tagName: 'p', components: [{ type: 'ordo-field', attributes: { 'data-ordo-field': 'customer.fax' } }] },
  ],
  [{ selectors: ['bc'], style: { width: '60mm', height: '15mm' } }],
);

/** A 1×1 PNG. */
function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.from([0, 255, 0, 0]))), chunk('IEND', Buffer.alloc(0))]);
}

describe('print templates: versions, cleaning at save, images and previews', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let adminBytes: BinaryClient;
  const order = makeOrder(42);
  /** An order long enough for several pages, to see the header and footer repeat. */
  const longOrder = makeOrder(43, {
    lines: Array.from({ length: 150 }, (_, j) => ({ sku: `LONG-${j}`, name: `长单 ${j}`, quantity: 1, unitPrice: 1, unit: 'pcs', lineTotal: 1 })),
  });

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'templates' });
    admin = await adminClient(ordo);
    adminBytes = await new BinaryClient(ordo.url).login('admin@test.local', 'admin-password-1');
    await insertOrders(ordo.connection, [order, longOrder]);
  }, 60_000);
  afterAll(() => ordo.close());

  it('given a first start, then the reference packing slip, invoice and shipping label are published as version 1', async () => {
    const list = await admin.get('/api/templates');
    expect(list.status).toBe(200);
    const byKey = Object.fromEntries(list.body.map((t: { key: string }) => [t.key, t]));
    expect(byKey['packing-slip']).toMatchObject({ latestVersion: 1, dirty: false, paper: { size: 'A4' } });
    expect(byKey.invoice).toMatchObject({ latestVersion: 1, paper: { size: 'A4' } });
    expect(byKey['shipping-label']).toMatchObject({ latestVersion: 1, paper: { size: 'label-100x150' } });
    const v1 = await admin.get('/api/templates/packing-slip/versions/1');
    expect(v1.body.compiled.html).toContain('{{#each lines}}<tr data-each="lines">');
    expect(v1.body.compiled.css).toContain('@page{size:210mm 297mm;');
  });

  it('given an admin’s draft with a field, the order-lines block and a barcode, when published twice, then versions 1 and 2 exist and version 1 never changes', async () => {
    const created = await admin.post('/api/templates', { key: 'my-slip', name: 'My slip', paper: { size: 'A4', orientation: 'portrait', margins: { top: 10, right: 10, bottom: 10, left: 10 } }, projectData: slip });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'my-slip', version: 0, status: 'draft', revision: 1, removed: [] });
    expect(created.body.compiled.html).toContain('{{#each lines}}<tr data-each="lines"><td><span>{{sku}}</span></td>');
    expect(created.body.compiled.html).toContain('<thead><tr><td><header');
    expect(created.body.compiled.html).toContain('{{barcode number "code128"}}');

    const v1 = await admin.post('/api/templates/my-slip/publish', { revision: 1, note: 'first' });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ key: 'my-slip', version: 1, note: 'first' });

    const edited = JSON.parse(JSON.stringify(slip));
    edited.pages[0].frames[0].component.components[0].components[0].components[0].content = 'Packing list ';
    const saved = await admin.put('/api/templates/my-slip/draft', { revision: 1, projectData: edited });
    expect(saved.status).toBe(200);
    expect(saved.body.revision).toBe(2);
    const stale = await admin.put('/api/templates/my-slip/draft', { revision: 1, name: 'lost update' });
    expect(stale.status).toBe(409);
    expect(stale.body.revision).toBe(2);

    const v2 = await admin.post('/api/templates/my-slip/publish', {});
    expect(v2.body.version).toBe(2);
    const versions = await admin.get('/api/templates/my-slip/versions');
    expect(versions.body.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await admin.get('/api/templates/my-slip/versions/1')).body.compiled.html).toContain('Slip ');
    expect((await admin.get('/api/templates/my-slip/versions/2')).body.compiled.html).toContain('Packing list ');
  });

  it('given a template with a script, an event attribute, an external image and a CSS import, when saved, then each is removed and listed', async () => {
    const hostile = project(
      [
        { tagName: 'script', content: 'alert(1)' },
        { tagName: 'div', attributes: { onclick: 'steal()', class: 'x' }, components: [{ type: 'textnode', content: 'hello' }] },
        { type: 'image', attributes: { src: 'http://evil.example/logo.png' } },
        { tagName: 'div', content: '<img src="https://evil.example/pixel.gif" onerror="x()"><script>alert(2)</script>{{{customer.name}}}' },
        { tagName: 'p', components: [{ type: 'textnode', content: 'Order ' }, { type: 'ordo-field', attributes: { 'data-ordo-field': 'number' } }] },
      ],
      [
        { selectors: [], selectorsAdd: '@import url(http://evil.example/x.css)', style: {} },
        { selectors: ['x'], style: { 'background-image': 'url(http://evil.example/bg.png)', color: 'red' } },
      ],
    );
    const res = await admin.post('/api/templates', { key: 'hostile', name: 'Hostile', projectData: hostile });
    expect(res.status).toBe(201);
    const { html, css } = res.body.compiled;
    expect(html).not.toMatch(/<script|onclick|onerror|evil\.example|\{\{\{/);
    expect(css).not.toMatch(/@import|evil\.example/);
    expect(css).toContain('color:red');
    expect(html).toContain('Order <span>{{number}}</span>');
    expect(html).toContain('{{customer.name}}');
    expect(res.body.removed).toEqual(
      expect.arrayContaining([
        '<script> element',
        'event attribute onclick',
        'event attribute onerror',
        expect.stringMatching(/^external URL src="http:\/\/evil\.example\/logo\.png"/),
        expect.stringMatching(/^CSS @import/),
        expect.stringMatching(/^external URL in CSS/),
        expect.stringMatching(/unescaped/),
      ]),
    );
    // the saved project data is clean as well, so the designer re-opens the cleaned version
    expect(JSON.stringify(res.body.projectData)).not.toMatch(/evil\.example|onclick|alert/);
  });

  it('refuses bad input with the field and the reason', async () => {
    const badKey = await admin.post('/api/templates', { key: 'Bad Key!', name: 'x' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors[0].path).toBe('key');
    const badPaper = await admin.post('/api/templates', { key: 'tiny', name: 'x', paper: { size: 'custom', orientation: 'portrait', width: 5, height: 400, margins: { top: 0, right: 0, bottom: 0, left: 0 } } });
    expect(badPaper.status).toBe(400);
    expect(badPaper.body.errors.map((e: { path: string }) => e.path)).toContain('paper.width');
    const badMargins = await admin.post('/api/templates', { key: 'tiny', name: 'x', paper: { size: 'label-100x150', orientation: 'portrait', margins: { top: 0, right: 50, bottom: 0, left: 45 } } });
    expect(badMargins.status).toBe(400);
    expect(badMargins.body.errors[0].message).toMatch(/margins leave less than 10 mm/);
    const badPlaceholder = await admin.post('/api/templates', { key: 'broken', name: 'x', projectData: project([{ type: 'textnode', content: '{{#each lines}} never closed' }]) });
    expect(badPlaceholder.status).toBe(400);
    expect(badPlaceholder.body.errors[0].path).toBe('projectData');
    const duplicate = await admin.post('/api/templates', { key: 'invoice', name: 'Again' });
    expect(duplicate.status).toBe(409);
    const unknown = await admin.post('/api/templates', { key: 'extra', name: 'x', colour: 'red' });
    expect(unknown.status).toBe(400);
  });

  it('given an operator, then templates can be read but not changed or published', async () => {
    await admin.post('/api/users', { email: 'op@test.local', name: 'Op', role: 'operator', password: 'operator-password-1' });
    const op = await new ApiClient(ordo.url).login('op@test.local', 'operator-password-1');
    expect((await op.get('/api/templates')).status).toBe(200);
    expect((await op.post('/api/templates', { key: 'op-made', name: 'x' })).status).toBe(403);
    expect((await op.post('/api/templates/invoice/publish', {})).status).toBe(403);
  });

  it('given an uploaded logo, then it is stored in the database, served to the designer, and inlined as a data: URI when printing', async () => {
    const logo = png();
    const up = await adminBytes.bytes('POST', '/api/templates/assets?name=logo.png', logo, { 'content-type': 'image/png' });
    expect(up.status).toBe(201);
    const asset = JSON.parse(up.data.toString());
    expect(asset).toMatchObject({ name: 'logo.png', contentType: 'image/png', size: logo.length, url: expect.stringMatching(/^\/api\/templates\/assets\/[a-f0-9]{24}$/) });
    const back = await adminBytes.bytes('GET', asset.url);
    expect(back.data.equals(logo)).toBe(true);
    expect(back.headers.get('content-type')).toBe('image/png');

    const fake = await adminBytes.bytes('POST', '/api/templates/assets?name=x.png', Buffer.from('<svg onload=alert(1)>'), { 'content-type': 'image/png' });
    expect(fake.status).toBe(400);
    const svg = await adminBytes.bytes('POST', '/api/templates/assets?name=x.svg', Buffer.from('<svg/>'), { 'content-type': 'image/svg+xml' });
    expect(svg.status).toBe(400);

    const withLogo = project([{ type: 'image', attributes: { src: asset.url } }, { type: 'ordo-field', attributes: { 'data-ordo-field': 'number' } }]);
    const created = await admin.post('/api/templates', { key: 'with-logo', name: 'Logo', projectData: withLogo });
    expect(created.body.removed).toEqual([]);
    expect(created.body.compiled.html).toContain(`src="${asset.url}"`);
    await admin.post('/api/templates/with-logo/publish', {});
    const job = await admin.post(`/api/print/orders/${order.number}`, { templateKey: 'with-logo' });
    expect(job.status).toBe(201);
    // the render page fetches nothing: the logo is only in the PDF because it was inlined
    expect(pdfImages((await adminBytes.bytes('GET', job.body.downloadUrl)).data)).toEqual([{ width: 1, height: 1 }]);
  });

  it('given a draft, when previewed with an order, then chromium renders the PDF and missing fields come back as warnings', async () => {
    const preview = await adminBytes.bytes('POST', '/api/templates/my-slip/preview', { orderId: order.number });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('application/pdf');
    expect(JSON.parse(decodeURIComponent(preview.headers.get('x-ordo-warnings')!))).toEqual(['missing field customer.fax']);
    const text = pdfText(preview.data);
    expect(text).toContain(`Packing list ${order.number}`);
    for (const line of order.lines) expect(text).toContain(line.sku);
    expect(decodeBarcodes(preview.data)).toContain(`CODE-128:${order.number}`);

    const sample = await adminBytes.bytes('POST', '/api/templates/my-slip/preview', { version: 1 });
    expect(pdfText(sample.data)).toContain('Slip SO-2026-000123');
  });
  /** "Page size: 612 x 792 pts (letter)" → [612, 792], rounded to the point. */
  const pageSize = (pdf: Buffer): number[] => {
    const m = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(pdfInfo(pdf));
    return m ? [Math.round(Number(m[1])), Math.round(Number(m[2]))] : [];
  };

  it('given each paper size, then the PDF page has that size, and a long order repeats the header and the footer on every page', async () => {
    const framed = project([
      { type: 'ordo-header', tagName: 'header', attributes: { 'data-ordo-region': 'header' }, components: [{ type: 'text', tagName: 'h2', components: [{ type: 'textnode', content: 'HEAD ' }, { type: 'ordo-field', attributes: { 'data-ordo-field': 'number' } }] }] },
      { tagName: 'table', components: [{ tagName: 'tbody', components: [{ type: 'ordo-repeat', tagName: 'tr', attributes: { 'data-each': 'lines' }, components: [{ tagName: 'td', components: [{ type: 'ordo-field', attributes: { 'data-ordo-field': 'sku' } }] }] }] }] },
      { type: 'ordo-footer', tagName: 'footer', attributes: { 'data-ordo-region': 'footer' }, components: [{ type: 'text', tagName: 'p', components: [{ type: 'textnode', content: 'FOOT-MARK' }] }] },
    ]);
    const margins = { top: 10, right: 10, bottom: 10, left: 10 };
    const papers = [
      { key: 'paper-letter', paper: { size: 'Letter', orientation: 'portrait', margins }, points: [612, 792] },
      { key: 'paper-a4-landscape', paper: { size: 'A4', orientation: 'landscape', margins }, points: [842, 595] },
      { key: 'paper-custom', paper: { size: 'custom', orientation: 'portrait', width: 80, height: 120, margins }, points: [227, 340] },
    ];
    for (const { key, paper, points } of papers) {
      expect((await admin.post('/api/templates', { key, name: key, paper, projectData: framed })).status).toBe(201);
      const pdf = (await adminBytes.bytes('POST', `/api/templates/${key}/preview`, { orderId: order.number })).data;
      expect({ key, size: pageSize(pdf) }).toEqual({ key, size: points });
    }
    const label = await adminBytes.bytes('POST', '/api/templates/shipping-label/preview', { version: 1, orderId: order.number });
    expect(pageSize(label.data)).toEqual([283, 425]);

    const long = (await adminBytes.bytes('POST', '/api/templates/paper-letter/preview', { orderId: longOrder.number })).data;
    const pages = pdfPages(long);
    expect(pages).toBeGreaterThanOrEqual(3);
    for (let page = 1; page <= pages; page++) {
      const text = pdfText(long, page);
      expect({ page, header: text.includes(`HEAD ${longOrder.number}`), footer: text.includes('FOOT-MARK') }).toEqual({ page, header: true, footer: true });
    }
    const all = pdfText(long);
    for (const line of longOrder.lines) expect(all).toContain(line.sku);
  });
});
