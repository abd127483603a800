import { parseScan, WedgeDetector } from './scan';

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
});
