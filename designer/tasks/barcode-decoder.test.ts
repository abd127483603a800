/**
 * The camera fallback reads what Ordo prints: frames drawn from the same symbols as the packing
 * slip (bwip-js Code128 bars, the qrcode module matrix), scaled and offset as a camera would see them.
 */
import bwipjs from 'bwip-js/browser';
import QRCode from 'qrcode';
import { FrameDecoder } from './barcode-decoder';

/** A white RGBA frame with dark rectangles painted by `paint(fill)`. */
function frame(width: number, height: number, paint: (fill: (x: number, y: number, w: number, h: number) => void) => void): Uint8ClampedArray {
  const px = new Uint8ClampedArray(width * height * 4).fill(255);
  paint((x, y, w, h) => {
    for (let yy = Math.max(0, y); yy < Math.min(height, y + h); yy++)
      for (let xx = Math.max(0, x); xx < Math.min(width, x + w); xx++) {
        const p = (yy * width + xx) * 4;
        px[p] = px[p + 1] = px[p + 2] = 30; // printed black is not quite black
      }
  });
  return px;
}

function code128Frame(text: string, width: number, height: number, module: number, left: number, top: number): Uint8ClampedArray {
  const [{ sbs }] = bwipjs.raw('code128', text, {}) as Array<{ sbs: number[] }>;
  return frame(width, height, (fill) => {
    let x = left;
    sbs.forEach((w, i) => {
      if (i % 2 === 0) fill(x, top, w * module, 120);
      x += w * module;
    });
  });
}

function qrFrame(text: string, width: number, height: number, module: number, left: number, top: number): Uint8ClampedArray {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return frame(width, height, (fill) => {
    for (let y = 0; y < qr.modules.size; y++) for (let x = 0; x < qr.modules.size; x++) if (qr.modules.get(y, x)) fill(left + x * module, top + y * module, module, module);
  });
}

describe('camera fallback decoder (ZXing)', () => {
  const decoder = new FrameDecoder();

  it('given a frame with a packing slip’s Code128 off-centre, when decoded, then the order number is read as code_128', () => {
    expect(decoder.decode(code128Frame('SO-2026-000123', 640, 480, 3, 57, 170), 640, 480)).toEqual([{ rawValue: 'SO-2026-000123', format: 'code_128' }]);
  });

  it('given a frame with the slip’s QR, when decoded, then its text is read as qr_code', () => {
    expect(decoder.decode(qrFrame('SO-2026-000456', 640, 480, 8, 200, 90), 640, 480)).toEqual([{ rawValue: 'SO-2026-000456', format: 'qr_code' }]);
  });

  it('given frames without a code, a half-visible code and then a whole one, when decoded in turn, then the empty ones give nothing and the reader still reads the next', () => {
    expect(decoder.decode(frame(320, 240, () => undefined), 320, 240)).toEqual([]);
    expect(decoder.decode(code128Frame('SO-2026-000789', 640, 480, 3, 400, 170), 640, 480)).toEqual([]);
    expect(decoder.decode(code128Frame('SO-2026-000789', 640, 480, 3, 40, 170), 640, 480)).toEqual([{ rawValue: 'SO-2026-000789', format: 'code_128' }]);
  });
});
