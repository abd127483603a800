/**
 * Handlebars for print templates: one isolated environment, a fixed set of helpers (barcode, qrcode,
 * formatMoney, formatNumber, formatDate, formatDateTime), escaped output only, and a walk over the template's syntax tree
 * that lists every placeholder the given order does not fill (they render empty).
 */
import Handlebars from 'handlebars';
import { barcodeSvg, qrSvg } from '../../workflows/print/symbols';

export { barcodeSvg, qrSvg };

/** Names a data field is unlikely to have: `{{number}}` must stay the order number, not a helper call. */
export const KNOWN_HELPERS = { barcode: true, qrcode: true, formatMoney: true, formatNumber: true, formatDate: true, formatDateTime: true } as const;

/** Passed as Handlebars `data`, so helpers can report problems of one render. */
interface RenderData {
  ordoWarnings: string[];
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';
const moneyFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

function warn(options: Handlebars.HelperOptions, message: string): void {
  const data = options.data as { root?: unknown } & Partial<RenderData>;
  data.ordoWarnings?.push(message);
}

export function createPrintHandlebars(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('barcode', (value: unknown, symbology: unknown, options: Handlebars.HelperOptions) => {
    if (!present(value)) return '';
    try {
      return new hb.SafeString(barcodeSvg(String(value), typeof symbology === 'string' ? symbology : 'code128'));
    } catch (err) {
      warn(options, `barcode: cannot encode "${String(value).slice(0, 40)}" (${(err as Error).message.split('\n')[0]})`);
      return '';
    }
  });
  hb.registerHelper('qrcode', (value: unknown, options: Handlebars.HelperOptions) => {
    if (!present(value)) return '';
    try {
      return new hb.SafeString(qrSvg(String(value)));
    } catch (err) {
      warn(options, `qrcode: cannot encode (${(err as Error).message})`);
      return '';
    }
  });
  hb.registerHelper('formatMoney', (value: unknown, currency: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return present(value) ? String(value) : '';
    return typeof currency === 'string' && currency ? `${currency} ${moneyFormat.format(value)}` : moneyFormat.format(value);
  });
  hb.registerHelper('formatNumber', (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? numberFormat.format(value) : present(value) ? String(value) : ''));
  hb.registerHelper('formatDate', (value: unknown) => toDate(value)?.toISOString().slice(0, 10) ?? (present(value) ? String(value) : ''));
  hb.registerHelper('formatDateTime', (value: unknown) => {
    const d = toDate(value);
    return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : present(value) ? String(value) : '';
  });
  return hb;
}

/* ---------- missing-field analysis ---------- */

const MAX_WARNINGS = 50;

function lookup(stack: unknown[], path: hbs.AST.PathExpression): { found: boolean; value: unknown } {
  let ctx: unknown = path.data ? (path.parts[0] === 'root' ? stack[stack.length - 1] : undefined) : stack[path.depth];
  const parts = path.data ? path.parts.slice(1) : path.parts;
  if (path.data && path.parts[0] !== 'root') return { found: true, value: undefined }; // @index, @key, …
  for (const part of parts) {
    if (ctx === null || typeof ctx !== 'object' || !Object.prototype.hasOwnProperty.call(ctx, part)) return { found: false, value: undefined };
    ctx = (ctx as Record<string, unknown>)[part];
  }
  return { found: ctx !== undefined && ctx !== null, value: ctx };
}

function label(prefix: string, path: hbs.AST.PathExpression): string {
  const own = (path.data ? path.parts.slice(1) : path.parts).join('.');
  if (path.data || !prefix) return own;
  return `${prefix}.${own}`;
}

/**
 * Every placeholder that resolves to nothing for this data, as paths like `customer.phone` or
 * `lines[2].sku`. Follows {{#each}}, {{#with}} and the branch {{#if}}/{{#unless}} would take.
 */
export function missingFields(ast: hbs.AST.Program, root: unknown): string[] {
  const out = new Set<string>();
  const check = (path: hbs.AST.Expression, stack: unknown[], prefixes: string[]) => {
    if (path.type !== 'PathExpression' || out.size >= MAX_WARNINGS) return;
    const p = path as hbs.AST.PathExpression;
    if (p.parts.length === 0 && !p.data) return; // {{this}}
    if (!lookup(stack, p).found) out.add(label(prefixes[p.depth] ?? '', p));
  };
  const walk = (program: hbs.AST.Program | undefined, stack: unknown[], prefixes: string[]) => {
    if (!program) return;
    for (const stmt of program.body) {
      if (out.size >= MAX_WARNINGS) return;
      if (stmt.type === 'MustacheStatement') {
        const m = stmt as hbs.AST.MustacheStatement;
        if (m.params.length === 0) check(m.path, stack, prefixes);
        else for (const p of m.params) check(p, stack, prefixes);
      } else if (stmt.type === 'BlockStatement') {
        const b = stmt as hbs.AST.BlockStatement;
        const name = (b.path as hbs.AST.PathExpression).original;
        const arg = b.params[0];
        const target = arg?.type === 'PathExpression' ? lookup(stack, arg as hbs.AST.PathExpression) : { found: false, value: undefined };
        const argLabel = arg?.type === 'PathExpression' ? label(prefixes[(arg as hbs.AST.PathExpression).depth] ?? '', arg as hbs.AST.PathExpression) : '';
        if (name === 'each') {
          if (!target.found) out.add(argLabel);
          const items = Array.isArray(target.value) ? target.value : [];
          items.forEach((item, i) => walk(b.program, [item, ...stack], [`${argLabel}[${i}]`, ...prefixes]));
          if (items.length === 0) walk(b.inverse, stack, prefixes);
        } else if (name === 'if' || name === 'unless') {
          const truthy = Array.isArray(target.value) ? target.value.length > 0 : Boolean(target.value);
          walk(truthy === (name === 'if') ? b.program : b.inverse, stack, prefixes);
        } else if (name === 'with') {
          if (target.found) walk(b.program, [target.value, ...stack], [argLabel, ...prefixes]);
          else walk(b.inverse, stack, prefixes);
        } else {
          walk(b.program, stack, prefixes);
          walk(b.inverse, stack, prefixes);
        }
      }
    }
  };
  walk(ast, [root], ['']);
  return [...out];
}
