/**
 * Paper sizes and margins of a print template, in millimetres. Shared by the designer (canvas
 * devices) and the renderer (the CSS @page rule that page.pdf({ preferCSSPageSize }) obeys).
 */
export const PAPER_SIZES = ['A4', 'Letter', 'label-100x150', 'custom'] as const;
export type PaperSize = (typeof PAPER_SIZES)[number];

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface PaperSettings {
  size: PaperSize;
  orientation: 'portrait' | 'landscape';
  /** only for size 'custom' */
  width?: number;
  height?: number;
  margins: Margins;
}

export const FIXED_PAPER: Record<Exclude<PaperSize, 'custom'>, { width: number; height: number }> = {
  A4: { width: 210, height: 297 },
  Letter: { width: 215.9, height: 279.4 },
  'label-100x150': { width: 100, height: 150 },
};

/** Bounds for custom paper and margins (mm): smaller than a stamp or larger than A2 is a typo. */
export const PAPER_LIMITS = { minSide: 20, maxSide: 600, maxMargin: 60 } as const;

export const DEFAULT_PAPER: PaperSettings = { size: 'A4', orientation: 'portrait', margins: { top: 12, right: 12, bottom: 12, left: 12 } };
export const LABEL_PAPER: PaperSettings = { size: 'label-100x150', orientation: 'portrait', margins: { top: 3, right: 3, bottom: 3, left: 3 } };

/** Width and height in mm after orientation. */
export function paperDimensions(paper: PaperSettings): { width: number; height: number } {
  const base = paper.size === 'custom' ? { width: paper.width ?? 210, height: paper.height ?? 297 } : FIXED_PAPER[paper.size];
  return paper.orientation === 'landscape' ? { width: base.height, height: base.width } : { ...base };
}

const mm = (n: number) => `${Math.round(n * 100) / 100}mm`;

/** The @page rule of a template. */
export function pageCss(paper: PaperSettings): string {
  const { width, height } = paperDimensions(paper);
  const m = paper.margins;
  return `@page{size:${mm(width)} ${mm(height)};margin:${mm(m.top)} ${mm(m.right)} ${mm(m.bottom)} ${mm(m.left)};}`;
}

/** Problems with a paper setting, as [path, message] pairs (empty when valid). */
export function paperIssues(paper: PaperSettings): Array<[string, string]> {
  const issues: Array<[string, string]> = [];
  if (paper.size === 'custom') {
    for (const side of ['width', 'height'] as const) {
      const v = paper[side];
      if (typeof v !== 'number' || !(v >= PAPER_LIMITS.minSide && v <= PAPER_LIMITS.maxSide)) {
        issues.push([`paper.${side}`, `custom paper needs a ${side} between ${PAPER_LIMITS.minSide} and ${PAPER_LIMITS.maxSide} mm`]);
      }
    }
  }
  const { width, height } = paperDimensions(paper);
  const m = paper.margins;
  if (m.left + m.right >= width - 10) issues.push(['paper.margins', 'left + right margins leave less than 10 mm of paper']);
  if (m.top + m.bottom >= height - 10) issues.push(['paper.margins', 'top + bottom margins leave less than 10 mm of paper']);
  return issues;
}

/**
 * The canvas device of the designer: the frame is as wide as the paper. `widthMedia: ''` makes it
 * the default device, so styles are not wrapped in `@media (max-width: …)` (which the printed
 * page would not match).
 */
export function paperDevice(paper: PaperSettings): { id: string; name: string; width: string; height: string; widthMedia: string } {
  const { width, height } = paperDimensions(paper);
  return { id: 'ordo-paper', name: paper.size, width: mm(width), height: mm(height), widthMedia: '' };
}
