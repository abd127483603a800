/**
 * Reads the packing slip's Code128 and QR from camera frames in browsers without a BarcodeDetector
 * (Firefox; Chrome and Edge on Windows and Linux): ZXing's pure-JavaScript readers. scan.ts loads
 * this module only in those browsers, so it is a chunk of its own.
 */
import { BinaryBitmap, ChecksumException, Code128Reader, DecodeHintType, FormatException, HybridBinarizer, NotFoundException, QRCodeReader, RGBLuminanceSource, type Reader } from '@zxing/library';

export interface DecodedCode {
  rawValue: string;
  /** BarcodeDetector's names, so both paths answer alike */
  format: 'code_128' | 'qr_code';
}

export class FrameDecoder {
  // each reader on its own: ZXing's MultiFormatReader logs a console warning for every frame without a code
  private readonly readers: Array<[Reader, DecodedCode['format']]> = [
    [new Code128Reader(), 'code_128'],
    [new QRCodeReader(), 'qr_code'],
  ];
  private readonly hints = new Map<DecodeHintType, unknown>([[DecodeHintType.TRY_HARDER, true]]);

  /** RGBA pixels (a canvas's ImageData) → the code found, or [] when the frame holds none that reads. */
  decode(rgba: Uint8ClampedArray, width: number, height: number): DecodedCode[] {
    const luminance = new Uint8ClampedArray(width * height);
    for (let i = 0, p = 0; i < luminance.length; i++, p += 4) luminance[i] = (rgba[p] * 77 + rgba[p + 1] * 150 + rgba[p + 2] * 29) >> 8;
    const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)));
    for (const [reader, format] of this.readers) {
      try {
        return [{ rawValue: reader.decode(bitmap, this.hints).getText(), format }];
      } catch (err) {
        // a frame without a readable code (blurred, half in view) is the normal case between reads
        if (!(err instanceof NotFoundException || err instanceof ChecksumException || err instanceof FormatException)) throw err;
      } finally {
        reader.reset();
      }
    }
    return [];
  }
}
