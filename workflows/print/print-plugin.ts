/**
 * The GrapesJS plugin shared by the template designer (browser) and the template compiler
 * (headless GrapesJS on the server): component types whose toHTML() emits Handlebars.
 *
 * Why components and not `{{#each}}` text: the HTML parser hoists text out of <tbody>, so a loop
 * written between table rows is lost (GrapesJS #2639, #1939). Every emitted expression is the
 * escaping double-stash form; barcode and QR helpers return markup the renderer marks safe.
 * No I/O and no runtime imports: the editor hands itself in.
 */
import type { Editor } from 'grapesjs';
import { BARCODE_SYMBOLOGIES, FIELD_FORMATS, fieldExpression, isFieldPath, type FieldFormat } from './fields';

export const PRINT_TYPES = {
  field: 'ordo-field',
  repeat: 'ordo-repeat',
  when: 'ordo-if',
  barcode: 'ordo-barcode',
  qrcode: 'ordo-qrcode',
  header: 'ordo-header',
  footer: 'ordo-footer',
} as const;

export interface PrintPluginOptions {
  /** Designer only: draws a sample symbol on the canvas (bwip-js / qrcode browser builds). */
  drawSymbol?: (kind: 'barcode' | 'qrcode', symbology: string, value: string) => string | undefined;
  /** Designer only: a sample value for a path, shown on the canvas instead of the raw placeholder. */
  sampleValue?: (path: string, format: FieldFormat) => string | undefined;
  /** Trait labels (the designer passes translated ones). */
  labels?: Partial<Record<'path' | 'format' | 'repeatPath' | 'ifPath' | 'symbology' | 'value', string>>;
}

const escapeAttr = (v: unknown) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The element's own attributes (id/class for styling) as an HTML attribute string, minus ours. */
function attrString(component: any, drop: readonly string[], extraClass?: string): string {
  const attrs: Record<string, unknown> = { ...component.getAttrToHTML() };
  if (extraClass) attrs.class = [extraClass, attrs.class].filter(Boolean).join(' ');
  return Object.entries(attrs)
    .filter(([k, v]) => !drop.includes(k) && v !== undefined && v !== null && v !== false && /^[a-zA-Z][a-zA-Z0-9_:-]*$/.test(k))
    .map(([k, v]) => (v === true || v === '' ? ` ${k}` : ` ${k}="${escapeAttr(v)}"`))
    .join('');
}

export function ordoPrintPlugin(editor: Editor, options: PrintPluginOptions = {}): void {
  const dc = editor.Components;
  const label = (key: keyof NonNullable<PrintPluginOptions['labels']>, fallback: string) => options.labels?.[key] ?? fallback;

  // {{path}} as one atomic inline piece, so the rich-text editor cannot split a token
  dc.addType(PRINT_TYPES.field, {
    isComponent: (el: any) => el?.getAttribute?.('data-ordo-field') != null,
    model: {
      defaults: {
        tagName: 'span',
        name: 'Field',
        textable: true,
        droppable: false,
        editable: false,
        attributes: { 'data-ordo-field': 'number', 'data-format': 'text' },
        traits: [
          { name: 'data-ordo-field', label: label('path', 'Field (path)') },
          { type: 'select', name: 'data-format', label: label('format', 'Format'), options: FIELD_FORMATS.map((id) => ({ id, label: id })) },
        ],
      },
      toHTML(this: any) {
        const a = this.getAttributes();
        const path = a['data-ordo-field'];
        const format = (FIELD_FORMATS as readonly string[]).includes(a['data-format']) ? (a['data-format'] as FieldFormat) : 'text';
        const body = isFieldPath(path) ? fieldExpression(path, format) : '';
        return `<span${attrString(this, ['data-ordo-field', 'data-format'])}>${body}</span>`;
      },
    },
    view: {
      onRender(this: any) {
        const a = this.model.getAttributes();
        const path = String(a['data-ordo-field'] ?? '');
        const sample = options.sampleValue?.(path, a['data-format'] ?? 'text');
        this.el.textContent = sample ?? `{{${path}}}`;
        this.el.title = path;
      },
    },
  });

  // Handlebars blocks around an element (the HTML parser would hoist bare {{#each}} text out of tables):
  // <tr data-each="lines"> → {{#each lines}}<tr>…</tr>{{/each}}, rows being the usual case;
  // <div data-if="customer.company"> → {{#if customer.company}}<div>…</div>{{/if}}, optional parts print only when filled
  const blocks = [
    { type: PRINT_TYPES.repeat, attr: 'data-each', helper: 'each', tagName: 'tr', name: 'Repeat', example: 'lines', trait: label('repeatPath', 'Repeat over (path)') },
    { type: PRINT_TYPES.when, attr: 'data-if', helper: 'if', tagName: 'div', name: 'Only if filled', example: 'notes', trait: label('ifPath', 'Show only if (path)') },
  ];
  for (const b of blocks) {
    dc.addType(b.type, {
      isComponent: (el: any) => el?.getAttribute?.(b.attr) != null,
      model: {
        defaults: { tagName: b.tagName, name: b.name, attributes: { [b.attr]: b.example }, traits: [{ name: b.attr, label: b.trait }] },
        toHTML(this: any, opts: any) {
          const path = this.getAttributes()[b.attr];
          // calling clone().toHTML() would recurse forever
          const base = dc.getType('default')!.model.prototype.toHTML.call(this, opts);
          return isFieldPath(path) ? `{{#${b.helper} ${path}}}${base}{{/${b.helper}}}` : base;
        },
      },
    });
  }

  for (const kind of ['barcode', 'qrcode'] as const) {
    const type = kind === 'barcode' ? PRINT_TYPES.barcode : PRINT_TYPES.qrcode;
    const marker = `data-ordo-${kind}`;
    dc.addType(type, {
      isComponent: (el: any) => el?.getAttribute?.(marker) != null,
      model: {
        defaults: {
          tagName: 'div',
          name: kind === 'barcode' ? 'Barcode' : 'QR code',
          droppable: false,
          attributes: kind === 'barcode' ? { [marker]: 'code128', 'data-value': 'number' } : { [marker]: 'qr', 'data-value': 'shipment.trackingUrl' },
          traits: [
            ...(kind === 'barcode'
              ? [{ type: 'select', name: marker, label: label('symbology', 'Symbology'), options: BARCODE_SYMBOLOGIES.map((id) => ({ id, label: id })) }]
              : []),
            { name: 'data-value', label: label('value', 'Value (path)') },
          ],
        },
        toHTML(this: any) {
          const a = this.getAttributes();
          const path = a['data-value'];
          const symbology = (BARCODE_SYMBOLOGIES as readonly string[]).includes(a[marker]) ? a[marker] : 'code128';
          const expr = !isFieldPath(path) ? '' : kind === 'barcode' ? `{{barcode ${path} "${symbology}"}}` : `{{qrcode ${path}}}`;
          return `<div${attrString(this, [marker, 'data-value'], `ordo-${kind}`)}>${expr}</div>`;
        },
      },
      view: {
        onRender(this: any) {
          const a = this.model.getAttributes();
          const value = options.sampleValue?.(String(a['data-value'] ?? ''), 'text') ?? String(a['data-value'] ?? '');
          const svg = options.drawSymbol?.(kind, String(a[marker] ?? ''), value);
          if (svg) this.el.innerHTML = svg;
          else this.el.textContent = `${kind === 'barcode' ? '▌▌▌' : '▦'} {{${a['data-value'] ?? ''}}}`;
        },
      },
    });
  }

  // repeated on every page of a document: the compiler moves them into <thead>/<tfoot>
  for (const region of ['header', 'footer'] as const) {
    dc.addType(region === 'header' ? PRINT_TYPES.header : PRINT_TYPES.footer, {
      isComponent: (el: any) => el?.getAttribute?.('data-ordo-region') === region,
      model: { defaults: { tagName: region, name: region === 'header' ? 'Page header' : 'Page footer', attributes: { 'data-ordo-region': region } } },
    });
  }
}
