/**
 * The warm PDF renderer replaces its pages and its browser after a number of renders, so a leak in
 * chromium cannot build up over a long day of printing; every render before and after is a whole PDF.
 */
import pino from 'pino';
import { PdfRenderer } from '../../server/printing';
import { pdfText } from '../helpers/print';

describe('PDF renderer recycling', () => {
  let renderer: PdfRenderer;
  afterAll(() => renderer?.close());

  it('given recycling after 2 renders a page and 5 a browser, when 11 documents are rendered one by one, then pages and browsers are replaced and every PDF is whole', async () => {
    renderer = new PdfRenderer({ logger: pino({ level: 'silent' }), poolSize: 1, recyclePageAfter: 2, recycleBrowserAfter: 5 });
    for (let i = 1; i <= 11; i++) {
      const pdf = await renderer.render(`<!doctype html><p>document ${i}</p>`, { what: `document ${i}` });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdfText(pdf)).toContain(`document ${i}`);
    }
    // a browser serves 5 renders (then 5 more, then 1): three launches; a page serves 2 renders
    expect(renderer.stats).toMatchObject({ renders: 11, launches: 3 });
    expect(renderer.stats.pagesCreated).toBeGreaterThanOrEqual(6);
  });
});
