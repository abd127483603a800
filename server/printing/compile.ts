/**
 * Template compile: GrapesJS project data → sanitised {html, css} with Handlebars placeholders,
 * using headless GrapesJS on Node with the same print plugin as the designer. Header and footer
 * regions become <thead>/<tfoot> of a frame table, which Chromium repeats on every printed page
 * of that one document (also inside a batch, where each order has its own frame).
 */
import grapesjs from 'grapesjs';
import Handlebars from 'handlebars';
import { ordoPrintPlugin, PRINT_TYPES } from '../../workflows/print/print-plugin';
import { pageCss, type PaperSettings } from '../../workflows/print/paper';
import { Removals, sanitizeCss, sanitizeHtml, sanitizeProjectData } from './sanitize';
import { KNOWN_HELPERS } from './handlebars-env';
import { ValidationError } from '../../workflows/model/errors';

export interface CompiledTemplate {
  html: string;
  css: string;
}

export interface CompileResult {
  projectData: Record<string, unknown>;
  compiled: CompiledTemplate;
  /** what sanitising removed, for the author */
  removed: string[];
}

/** Layout every template gets: document breaks, the header/footer frame, barcode sizing, fonts. */
export const BASE_CSS = [
  "body{margin:0;font-family:'DejaVu Sans','Noto Sans CJK SC','Noto Sans CJK TC',sans-serif;-webkit-print-color-adjust:exact;print-color-adjust:exact}",
  '.ordo-document{break-before:page}',
  '.ordo-document:first-child{break-before:auto}',
  'table.ordo-frame{width:100%;border-collapse:collapse;border-spacing:0}',
  'table.ordo-frame>thead{display:table-header-group}',
  'table.ordo-frame>tfoot{display:table-footer-group}',
  'table.ordo-frame>*>tr>td{padding:0;vertical-align:top}',
  '.ordo-barcode svg,.ordo-qrcode svg{display:block;width:100%;height:100%}',
].join('\n');

/** Fails with a 400 naming the problem when the placeholders do not form a valid template. */
export function checkHandlebars(html: string): void {
  try {
    Handlebars.precompile(html, { knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true, strict: false });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    throw new ValidationError('The template placeholders are invalid', [{ path: 'projectData', message }]);
  }
}

function withEditor<T>(projectData: Record<string, unknown>, fn: (editor: import('grapesjs').Editor) => T): T {
  const editor = grapesjs.init({ headless: true, storageManager: false, undoManager: { trackSelection: false }, plugins: [(e) => ordoPrintPlugin(e)] });
  try {
    editor.loadProjectData(projectData as any);
    return fn(editor);
  } finally {
    editor.destroy();
  }
}

export function compileProject(projectData: Record<string, unknown>, paper: PaperSettings): CompileResult {
  const removals = new Removals();
  const clean = sanitizeProjectData(projectData, removals);
  const { header, body, footer, css, data } = withEditor(clean, (editor) => {
    const parts = { header: [] as string[], body: [] as string[], footer: [] as string[] };
    for (const c of editor.getWrapper()?.components().models ?? []) {
      const type = c.get('type');
      const part = type === PRINT_TYPES.header ? parts.header : type === PRINT_TYPES.footer ? parts.footer : parts.body;
      part.push(c.toHTML());
    }
    return { ...parts, css: editor.getCss() ?? '', data: editor.getProjectData() as unknown as Record<string, unknown> };
  });
  const clean3 = (parts: string[]) => sanitizeHtml(parts.join(''), removals);
  const [h, b, f] = [clean3(header), clean3(body), clean3(footer)];
  const html =
    h || f
      ? `<div class="ordo-document"><table class="ordo-frame">${h ? `<thead><tr><td>${h}</td></tr></thead>` : ''}${f ? `<tfoot><tr><td>${f}</td></tr></tfoot>` : ''}<tbody><tr><td>${b}</td></tr></tbody></table></div>`
      : `<div class="ordo-document">${b}</div>`;
  checkHandlebars(html);
  const userCss = sanitizeCss(css, removals);
  return { projectData: data, compiled: { html, css: `${BASE_CSS}\n${userCss}\n${pageCss(paper)}` }, removed: removals.items };
}
