/**
 * Template placeholders: which paths a template may name, and the catalog of order fields the
 * designer offers, derived from the order intake schema plus the parts the server computes.
 */

/** `number`, `customer.name`, `lines.0.sku`, `@root.currency`; nothing Handlebars could read as syntax. */
export const FIELD_PATH = /^(@root\.)?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;
export const isFieldPath = (path: unknown): path is string => typeof path === 'string' && path.length <= 120 && FIELD_PATH.test(path);

export const FIELD_FORMATS = ['text', 'money', 'number', 'date', 'datetime'] as const;
export type FieldFormat = (typeof FIELD_FORMATS)[number];

export const BARCODE_SYMBOLOGIES = ['code128', 'code39', 'ean13'] as const;
export type BarcodeSymbology = (typeof BARCODE_SYMBOLOGIES)[number];

/** The Handlebars expression a field component emits (always the escaping double-stash form). */
const FORMAT_HELPERS: Record<Exclude<FieldFormat, 'text'>, string> = { money: 'formatMoney', number: 'formatNumber', date: 'formatDate', datetime: 'formatDateTime' };

export function fieldExpression(path: string, format: FieldFormat = 'text'): string {
  if (format === 'text') return `{{${path}}}`;
  return format === 'money' ? `{{formatMoney ${path} @root.currency}}` : `{{${FORMAT_HELPERS[format]} ${path}}}`;
}

export interface FieldInfo {
  /** relative to the order, or to a line inside the order-lines block (scope 'line') */
  path: string;
  /** English title from the schema; the designer translates known paths */
  title: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'date';
  scope: 'order' | 'line';
  format: FieldFormat;
}

/** Parts of the order that the server computes; they are not in the intake schema. */
const COMPUTED: FieldInfo[] = [
  { path: 'number', title: 'Order number', type: 'string', scope: 'order', format: 'text' },
  { path: 'status', title: 'Status', type: 'string', scope: 'order', format: 'text' },
  { path: 'createdAt', title: 'Order date', type: 'date', scope: 'order', format: 'date' },
  { path: 'totals.subtotal', title: 'Subtotal', type: 'number', scope: 'order', format: 'money' },
  { path: 'totals.shipping', title: 'Shipping', type: 'number', scope: 'order', format: 'money' },
  { path: 'totals.tax', title: 'Tax', type: 'number', scope: 'order', format: 'money' },
  { path: 'totals.total', title: 'Total', type: 'number', scope: 'order', format: 'money' },
  { path: 'allocation.warehouse', title: 'Warehouse', type: 'string', scope: 'order', format: 'text' },
  { path: 'allocation.plannedShipDate', title: 'Planned ship date', type: 'date', scope: 'order', format: 'date' },
  { path: 'shipment.carrier', title: 'Carrier', type: 'string', scope: 'order', format: 'text' },
  { path: 'shipment.trackingNumber', title: 'Tracking number', type: 'string', scope: 'order', format: 'text' },
  { path: 'shipment.trackingUrl', title: 'Tracking URL', type: 'string', scope: 'order', format: 'text' },
  { path: 'printedAt', title: 'Printed at', type: 'date', scope: 'order', format: 'datetime' },
  { path: 'no', title: 'Line no.', type: 'integer', scope: 'line', format: 'number' },
  { path: 'lineTotal', title: 'Line total', type: 'number', scope: 'line', format: 'money' },
];

/** Fields the intake contract carries but a printed document never shows. */
const HIDDEN = new Set(['totals', 'attachments', 'taxRate', 'shippingCharge', 'externalId']);

type JsonSchema = { type?: string | string[]; title?: string; format?: string; properties?: Record<string, JsonSchema>; items?: JsonSchema; $ref?: string; $defs?: Record<string, JsonSchema> };

/** Walks the order JSON Schema (objects, $ref to $defs, the lines array) into a flat field list. */
export function orderFields(schema: JsonSchema): FieldInfo[] {
  const out: FieldInfo[] = [];
  const resolve = (s: JsonSchema): JsonSchema => (s.$ref?.startsWith('#/$defs/') ? { ...schema.$defs?.[s.$ref.slice(8)], title: s.title ?? schema.$defs?.[s.$ref.slice(8)]?.title } : s);
  const walk = (s: JsonSchema, prefix: string, scope: FieldInfo['scope'], titlePrefix: string, depth: number) => {
    for (const [name, raw] of Object.entries(s.properties ?? {})) {
      if (depth === 0 && scope === 'order' && HIDDEN.has(name)) continue;
      const prop = resolve(raw);
      const path = prefix ? `${prefix}.${name}` : name;
      const title = titlePrefix ? `${titlePrefix} · ${prop.title ?? name}` : (prop.title ?? name);
      const type = Array.isArray(prop.type) ? prop.type[0] : prop.type;
      if (type === 'object' && depth < 3) walk(prop, path, scope, prop.title ?? name, depth + 1);
      else if (type === 'array') {
        if (name === 'lines' && scope === 'order' && prop.items) walk(resolve(prop.items), '', 'line', '', 1);
      } else if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') {
        const isDate = prop.format === 'date' || prop.format === 'date-time';
        const format: FieldFormat = isDate ? 'date' : scope === 'line' && name === 'unitPrice' ? 'money' : type === 'number' || type === 'integer' ? 'number' : 'text';
        out.push({ path, title, type: isDate ? 'date' : type, scope, format });
      }
    }
  };
  walk(schema, '', 'order', '', 0);
  for (const f of COMPUTED) if (!out.some((o) => o.path === f.path && o.scope === f.scope)) out.push(f);
  return out;
}
