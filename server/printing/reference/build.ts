/**
 * Writes the reference templates (workflows/templates/*.template.json) from the HTML/CSS sources
 * beside this file: GrapesJS project data plus the compiled html/css.
 * Run after editing a source: `npx tsx server/printing/reference/build.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LABEL_PAPER, DEFAULT_PAPER, type PaperSettings } from '../../../workflows/print/paper';
import { compileProject } from '../compile';
import { htmlToProjectData } from '../html-import';
import { REFERENCE_TEMPLATES_DIR } from '../index';
import type { TemplateFile } from '../template.service';

export const REFERENCE_SOURCES: Array<{ key: string; name: string; description: string; paper: PaperSettings }> = [
  { key: 'packing-slip', name: 'Packing slip (A4)', description: 'Lines to pick and pack, with the order number as Code128 and as QR code (either scans open the order in the inbox)', paper: DEFAULT_PAPER },
  { key: 'invoice', name: 'Invoice (A4)', description: 'Commercial invoice with prices, totals and the order barcode', paper: { ...DEFAULT_PAPER, margins: { top: 15, right: 15, bottom: 15, left: 15 } } },
  { key: 'shipping-label', name: 'Shipping label (100 × 150 mm)', description: 'Carrier label: address, tracking barcode and QR code', paper: LABEL_PAPER },
];

export function buildReferenceTemplate(source: (typeof REFERENCE_SOURCES)[number]): TemplateFile {
  const read = (ext: string) => fs.readFileSync(path.join(__dirname, `${source.key}.${ext}`), 'utf8');
  const { projectData, compiled, removed } = compileProject(htmlToProjectData(read('html'), read('css')), source.paper);
  if (removed.length) throw new Error(`${source.key}: the sanitiser removed ${removed.join(', ')}`);
  return { ...source, projectData, compiled };
}

if (require.main === module) {
  for (const source of REFERENCE_SOURCES) {
    const file = path.join(REFERENCE_TEMPLATES_DIR, `${source.key}.template.json`);
    fs.writeFileSync(file, `${JSON.stringify(buildReferenceTemplate(source), null, 1)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
}
