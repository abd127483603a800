/**
 * Barcodes and QR codes as inline SVG, the same drawing on the server (printing) and in the
 * designer (the canvas sample): bwip-js and qrcode are pure JavaScript in both.
 */
// the browser build is plain JavaScript and runs in Node too: one drawing everywhere
import bwipjs from 'bwip-js/browser';
import QRCode from 'qrcode';
import { BARCODE_SYMBOLOGIES } from './fields';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function barcodeSvg(text: string, symbology: string = 'code128'): string {
  const bcid = (BARCODE_SYMBOLOGIES as readonly string[]).includes(symbology) ? symbology : 'code128';
  const svg = bwipjs.toSVG({ bcid, text, height: 12, includetext: false, paddingwidth: 0, paddingheight: 0 });
  // bars may stretch to the box the designer drew; the quiet zone comes from the box's margins
  return svg.replace('<svg ', `<svg preserveAspectRatio="none" role="img" aria-label="${escapeXml(text)}" `);
}

export function qrSvg(text: string): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const quiet = 2;
  let d = '';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!qr.modules.get(y, x)) continue;
      let run = 1;
      while (x + run < size && qr.modules.get(y, x + run)) run++;
      d += `M${x + quiet} ${y + quiet}h${run}v1h-${run}z`;
      x += run - 1;
    }
  }
  const full = size + quiet * 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}" shape-rendering="crispEdges" role="img" aria-label="${escapeXml(text)}"><rect width="${full}" height="${full}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}
