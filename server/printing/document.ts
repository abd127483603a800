/**
 * A published template prepared for rendering (Handlebars compiled once, uploaded images inlined as
 * data: URIs), and the HTML document a batch of orders becomes: one `.ordo-document` per order.
 */
import type { Order } from '../../workflows/model/order';
import { createPrintHandlebars, KNOWN_HELPERS, missingFields } from './handlebars-env';
import type { CompiledTemplate } from './compile';

const hb = createPrintHandlebars();

export interface RenderedDocument {
  html: string;
  /** placeholders the order did not fill (rendered empty), and helper problems */
  warnings: string[];
}

export interface PreparedTemplate {
  css: string;
  render(order: Order, extra?: { printedAt?: Date }): RenderedDocument;
}

export interface InlineAsset {
  contentType: string;
  data: Buffer;
}

const ASSET_REF = /\/api\/templates\/assets\/([a-f0-9]{24})/g;

/** Replaces uploaded-asset URLs by data: URIs (the render page fetches nothing). */
export function inlineAssets(text: string, assets: ReadonlyMap<string, InlineAsset>): string {
  return text.replace(ASSET_REF, (whole, id: string) => {
    const a = assets.get(id);
    return a ? `data:${a.contentType};base64,${a.data.toString('base64')}` : whole;
  });
}

/** What a template sees: the order, line numbers (`no`), and when it is printed. */
export function printData(order: Order, printedAt: Date = new Date()): Record<string, unknown> {
  const lines = Array.isArray(order.lines) ? order.lines.map((l, i) => ({ ...l, no: i + 1 })) : order.lines;
  return { ...order, lines, printedAt: printedAt.toISOString() };
}

export function prepareTemplate(compiled: CompiledTemplate, assets: ReadonlyMap<string, InlineAsset> = new Map()): PreparedTemplate {
  const html = inlineAssets(compiled.html, assets);
  const template = hb.compile(html, { knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true, strict: false, preventIndent: true });
  const ast: hbs.AST.Program = hb.parse(html);
  return {
    css: inlineAssets(compiled.css, assets),
    render(order, extra = {}) {
      const data = printData(order, extra.printedAt);
      const warnings: string[] = missingFields(ast, data).map((path) => `missing field ${path}`);
      const helperWarnings: string[] = [];
      const out = template(data, { data: { ordoWarnings: helperWarnings }, allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
      return { html: out, warnings: [...warnings, ...helperWarnings] };
    },
  };
}

export function htmlDocument(css: string, bodies: readonly string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css.replace(/<\/style/gi, '<\\/style')}</style></head><body>${bodies.join('\n')}</body></html>`;
}
