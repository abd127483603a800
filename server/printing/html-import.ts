/**
 * HTML + CSS → GrapesJS project data, on Node (headless GrapesJS has no DOMParser). Recognises the
 * print plugin's markers (data-ordo-field, data-each, data-if, data-ordo-barcode, data-ordo-qrcode,
 * data-ordo-region) so the result re-opens in the designer with the same components. Used to
 * author the reference templates; the output still goes through compileProject (sanitising).
 */
import { parseDocument } from 'htmlparser2';
import { isTag, isText, type AnyNode, type Element } from 'domhandler';
import postcss from 'postcss';
import { PRINT_TYPES } from '../../workflows/print/print-plugin';

type ComponentJson = Record<string, unknown>;

const INLINE_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 's', 'small', 'sup', 'sub', 'br', 'span', 'a', 'code']);

function typeOf(el: Element): string | undefined {
  const a = el.attribs;
  if ('data-ordo-field' in a) return PRINT_TYPES.field;
  if ('data-each' in a) return PRINT_TYPES.repeat;
  if ('data-if' in a) return PRINT_TYPES.when;
  if ('data-ordo-barcode' in a) return PRINT_TYPES.barcode;
  if ('data-ordo-qrcode' in a) return PRINT_TYPES.qrcode;
  if (a['data-ordo-region'] === 'header') return PRINT_TYPES.header;
  if (a['data-ordo-region'] === 'footer') return PRINT_TYPES.footer;
  if (el.name === 'img') return 'image';
  if (el.name === 'table') return 'table';
  if (el.name === 'tbody') return 'tbody';
  if (el.name === 'thead') return 'thead';
  if (el.name === 'tr') return 'row';
  if (el.name === 'td' || el.name === 'th') return 'cell';
  return undefined;
}

/** Only text and inline pieces inside: GrapesJS edits it as one text component. */
function isTextual(el: Element): boolean {
  return el.children.every((c) => (isText(c) ? true : isTag(c) && (INLINE_TAGS.has(c.name) || 'data-ordo-field' in c.attribs) && isTextual(c))) && el.children.length > 0;
}

function toComponent(node: AnyNode): ComponentJson | undefined {
  if (isText(node)) {
    return node.data.trim() === '' && /\n/.test(node.data) ? undefined : { type: 'textnode', content: node.data };
  }
  if (!isTag(node)) return undefined;
  const { class: cls, ...attributes } = node.attribs;
  const out: ComponentJson = { tagName: node.name };
  const type = typeOf(node) ?? (isTextual(node) && node.name !== 'span' ? 'text' : undefined);
  if (type) out.type = type;
  if (cls) out.classes = cls.split(/\s+/).filter(Boolean);
  if (Object.keys(attributes).length) out.attributes = attributes;
  if (type === PRINT_TYPES.field || type === PRINT_TYPES.barcode || type === PRINT_TYPES.qrcode) return out;
  const children = node.children.map(toComponent).filter((c): c is ComponentJson => Boolean(c));
  if (children.length) out.components = children;
  return out;
}

function styleOf(rule: postcss.Rule | postcss.AtRule): Record<string, string> {
  const style: Record<string, string> = {};
  rule.each((n) => {
    if (n.type === 'decl') style[n.prop] = n.important ? `${n.value} !important` : n.value;
  });
  return style;
}

/** A selector made of classes only (`.a.b`) becomes GrapesJS selectors; anything else stays a string. */
function selectorJson(selector: string): { selectors: string[]; selectorsAdd?: string } {
  const m = /^(\.[A-Za-z_][\w-]*)+$/.exec(selector.trim());
  return m ? { selectors: selector.trim().slice(1).split('.') } : { selectors: [], selectorsAdd: selector.trim() };
}

export function cssToStyles(css: string): ComponentJson[] {
  const out: ComponentJson[] = [];
  const root = postcss.parse(css);
  const addRule = (rule: postcss.Rule, at?: { atRuleType: string; mediaText: string }) => {
    for (const sel of rule.selectors) out.push({ ...selectorJson(sel), style: styleOf(rule), ...(at ?? {}) });
  };
  root.each((node) => {
    if (node.type === 'rule') addRule(node);
    else if (node.type === 'atrule' && node.name === 'media') node.each((r) => void (r.type === 'rule' && addRule(r, { atRuleType: 'media', mediaText: node.params })));
    else if (node.type === 'atrule' && node.name === 'font-face') out.push({ selectors: [], selectorsAdd: '', atRuleType: 'font-face', singleAtRule: true, style: styleOf(node) });
  });
  return out;
}

export function htmlToProjectData(html: string, css: string): Record<string, unknown> {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true });
  const components = doc.children.map(toComponent).filter(Boolean);
  return {
    assets: [],
    styles: cssToStyles(css),
    pages: [{ frames: [{ component: { type: 'wrapper', components } }] }],
    symbols: [],
    dataSources: [],
  };
}
