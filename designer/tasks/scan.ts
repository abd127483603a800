/**
 * Scan to work: a keyboard-wedge barcode scanner "types" the code much faster than a person and ends
 * with Enter; the camera path reads the same codes with the browser's BarcodeDetector. Both end in
 * parseScan(), which finds the order number printed on a packing slip (Code128 = the number, the QR
 * may carry a URL or text that contains it).
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
export type CameraSupport = 'ok' | 'no-detector' | 'no-formats' | 'no-camera';

interface DetectorLike {
  detect(source: CanvasImageSource): Promise<Array<{ rawValue: string; format: string }>>;
}
interface DetectorClass {
  new (options?: { formats: string[] }): DetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

export const SCAN_FORMATS = ['code_128', 'qr_code'] as const;

function detectorClass(): DetectorClass | undefined {
  return (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
}

export async function cameraSupport(): Promise<CameraSupport> {
  const Detector = detectorClass();
  if (!Detector) return 'no-detector';
  const formats = await Detector.getSupportedFormats().catch(() => [] as string[]);
  if (!SCAN_FORMATS.some((f) => formats.includes(f))) return 'no-formats';
  if (!navigator.mediaDevices?.getUserMedia) return 'no-camera';
  return 'ok';
}

/** A detector for Code128 and QR, or undefined when the browser has none. */
export async function createDetector(): Promise<DetectorLike | undefined> {
  const Detector = detectorClass();
  if (!Detector) return undefined;
  const formats = await Detector.getSupportedFormats().catch(() => [] as string[]);
  const usable = SCAN_FORMATS.filter((f) => formats.includes(f));
  return usable.length ? new Detector({ formats: [...usable] }) : undefined;
}
