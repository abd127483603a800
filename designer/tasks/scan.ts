/**
 * Scan to work: a keyboard-wedge barcode scanner "types" the code much faster than a person and ends
 * with Enter; the camera path reads the same codes with the browser's BarcodeDetector, or with ZXing
 * where the browser has none. Both end in parseScan(), which finds the order number printed on a
 * packing slip (Code128 = the number, the QR may carry a URL or text that contains it).
 */

import { findOrderNumber } from '../../workflows/model/order';

export interface WedgeOptions {
  /** longest pause between two keys of one scan (people type at 80–250 ms per key) */
  maxGapMs: number;
  minLength: number;
}

export const DEFAULT_WEDGE: WedgeOptions = { maxGapMs: 40, minLength: 6 };

/** Collects fast printable keys; on Enter returns the burst when it came fast enough to be a scanner. */
export class WedgeDetector {
  private buffer = '';
  private last = -Infinity;
  constructor(private readonly options: WedgeOptions = DEFAULT_WEDGE) {}

  /** Feed every keydown (key name, event time in ms); returns the scanned text on its final Enter. */
  feed(key: string, time: number): string | undefined {
    const gap = time - this.last;
    this.last = time;
    if (key === 'Enter') {
      const code = this.buffer;
      this.buffer = '';
      return code.length >= this.options.minLength && gap <= this.options.maxGapMs * 3 ? code : undefined;
    }
    if (key.length !== 1) {
      if (key !== 'Shift') this.buffer = '';
      return undefined;
    }
    this.buffer = gap <= this.options.maxGapMs ? this.buffer + key : key;
    return undefined;
  }

  reset(): void {
    this.buffer = '';
    this.last = -Infinity;
  }
}

/** The order number in a scanned text (a Code128, a QR's URL, lower-case text); undefined when there is none. */
export function parseScan(text: string): { orderNumber: string } | undefined {
  const orderNumber = findOrderNumber(text);
  return orderNumber ? { orderNumber } : undefined;
}

/** What the camera path can use in this browser. */
export type CameraSupport = 'ok' | 'no-camera';

interface DetectorLike {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string; format: string }>>;
}
interface DetectorClass {
  new (options?: { formats: string[] }): DetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

export const SCAN_FORMATS = ['code_128', 'qr_code'] as const;

function detectorClass(): DetectorClass | undefined {
  return (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
}

export function cameraSupport(): CameraSupport {
  return typeof navigator.mediaDevices?.getUserMedia === 'function' ? 'ok' : 'no-camera';
}

/**
 * A reader of Code128 and QR in video frames: the browser's BarcodeDetector where it has one for
 * these formats, else ZXing in JavaScript (loaded on demand) on the frame drawn into a canvas.
 */
export async function createDetector(): Promise<DetectorLike> {
  const Detector = detectorClass();
  const formats = Detector ? await Detector.getSupportedFormats().catch(() => [] as string[]) : [];
  const usable = SCAN_FORMATS.filter((f) => formats.includes(f));
  if (Detector && usable.length === SCAN_FORMATS.length) return new Detector({ formats: [...usable] });
  const { FrameDecoder } = await import('./barcode-decoder');
  const decoder = new FrameDecoder();
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return {
    async detect(video) {
      const { videoWidth: width, videoHeight: height } = video;
      if (!context || !width || !height) return [];
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      return decoder.decode(context.getImageData(0, 0, width, height).data, width, height);
    },
  };
}
