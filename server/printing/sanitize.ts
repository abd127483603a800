/**
 * Cleans what a template author saves: no scripts, no event attributes, no external URLs, no CSS
 * imports. Runs at save on the GrapesJS project data and again on the compiled HTML/CSS; every
 * removal is reported so the designer can tell the author. The renderer does not trust this: it
 * renders with JavaScript off and every network request refused.
 */
import { parseDocument } from 'htmlparser2';
import { isTag, isComment, isText, Text, type AnyNode, type Element, type ParentNode } from 'domhandler';
import render from 'dom-serializer';
import postcss, { type Root } from 'postcss';

export const ASSET_URL = /^\/api\/templates\/assets\/([a-f0-9]{24})$/;
const ASSET_URL_IN_TEXT = /\/api\/templates\/assets\/([a-f0-9]{24})/g;

const BLOCKED_TAGS = new Set([
  'script', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'link', 'meta', 'base', 'portal',
  'audio', 'video', 'source', 'track', 'template', 'animate', 'set', 'animatemotion', 'animatetransform', 'handler', 'listener',
]);
/** Attributes that make the browser fetch or navigate. */
const URL_ATTRIBUTES = new Set(['src', 'href', 'xlink:href', 'srcset', 'action', 'formaction', 'poster', 'background', 'data', 'ping', 'lowsrc', 'dynsrc', 'longdesc', 'cite', 'manifest', 'codebase', 'archive', 'usemap', 'imagesrcset']);
const ALLOWED_AT_RULES = new Set(['media', 'page', 'font-face', 'supports', 'keyframes', '-webkit-keyframes', 'charset']);
const SAFE_DATA_URL = /^data:(image\/(png|jpeg|gif|webp|svg\+xml)|font\/(woff2?|ttf|otf)|application\/(font-woff2?|x-font-ttf|x-font-opentype));base64,[A-Za-z0-9+/=\s]+$/i;
const ONE_PLACEHOLDER = /^\{\{\s*[A-Za-z_@][A-Za-z0-9_.@/-]*\s*\}\}$/;

export class Removals {
  readonly items: string[] = [];
  add(what: string): void {
    if (this.items.length < 200 && !this.items.includes(what)) this.items.push(what);
  }
}

const preview = (v: string) => (v.length > 60 ? `${v.slice(0, 57)}…` : v);

/** A URL that may stay in a template: inline data, an uploaded asset, a fragment, a placeholder. */
export function isSafeUrl(value: string, attribute: string, tag: string): boolean {
  const v = value.trim();
  if (v === '' || v.startsWith('#') || ASSET_URL.test(v) || SAFE_DATA_URL.test(v) || ONE_PLACEHOLDER.test(v)) return true;
  // a link in the PDF is never fetched while rendering; everything else would be
  return tag === 'a' && attribute === 'href' && /^(https?:\/\/|mailto:|tel:)/i.test(v);
}

function cleanCssUrls(value: string): boolean {
  for (const m of value.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)/gi)) {
    const target = m[2].trim();
    if (!(SAFE_DATA_URL.test(target) || ASSET_URL.test(target) || target.startsWith('#'))) return false;
  }
  return true;
}

function dangerousCssValue(prop: string, value: string): string | undefined {
  const v = value.toLowerCase();
  if (/expression\s*\(|javascript:|-moz-binding|behavior\s*:/.test(v) || /^(behavior|-moz-binding)$/.test(prop.toLowerCase())) return 'CSS script expression';
  if (/url\s*\(/.test(v) && !cleanCssUrls(value)) return `external URL in CSS (${preview(value)})`;
  if (/image-set\s*\(|(['"])(https?:|\/\/)/i.test(v) && /(https?:|\/\/)/i.test(v)) return `external URL in CSS (${preview(value)})`;
  return undefined;
}

function cleanCssRoot(root: Root, removals: Removals): void {
  root.walkAtRules((rule) => {
    if (!ALLOWED_AT_RULES.has(rule.name.toLowerCase())) {
      removals.add(`CSS @${rule.name}`);
      rule.remove();
    }
  });
  root.walkDecls((decl) => {
    const reason = dangerousCssValue(decl.prop, decl.value);
    if (reason) {
      removals.add(reason);
      decl.remove();
    }
  });
}

/** A style sheet without @import, external url() or script expressions. */
export function sanitizeCss(css: string, removals: Removals): string {
  let root: Root;
  try {
    root = postcss.parse(css);
  } catch {
    removals.add('unparseable CSS');
    return '';
  }
  cleanCssRoot(root, removals);
  return root.toString();
}

/** The same for a style="" attribute. */
export function sanitizeInlineStyle(style: string, removals: Removals): string {
  let root: Root;
  try {
    root = postcss.parse(`x{${style}}`);
  } catch {
    removals.add('unparseable style attribute');
    return '';
  }
  cleanCssRoot(root, removals);
  const rule = root.first;
  return rule && rule.type === 'rule' ? rule.nodes.map((n) => n.toString()).join(';') : '';
}

function cleanAttributes(tag: string, attribs: Record<string, string>, removals: Removals): void {
  for (const name of Object.keys(attribs)) {
    const lower = name.toLowerCase();
    const value = attribs[name] ?? '';
    if (lower.startsWith('on')) {
      removals.add(`event attribute ${lower}`);
      delete attribs[name];
    } else if (lower === 'srcdoc' || lower === 'http-equiv') {
      removals.add(`attribute ${lower}`);
      delete attribs[name];
    } else if (URL_ATTRIBUTES.has(lower) && !isSafeUrl(value, lower, tag)) {
      removals.add(`external URL ${lower}="${preview(value)}"`);
      delete attribs[name];
    } else if (lower === 'style') {
      attribs[name] = sanitizeInlineStyle(value, removals);
    } else if (/^\s*(javascript|vbscript):/i.test(value)) {
      removals.add(`script URL in ${lower}`);
      delete attribs[name];
    }
  }
}

function cleanChildren(parent: ParentNode, removals: Removals): void {
  for (const node of [...parent.children] as AnyNode[]) {
    if (isComment(node)) {
      parent.children.splice(parent.children.indexOf(node), 1);
      continue;
    }
    if (!isTag(node)) continue;
    const el = node as Element;
    const tag = el.name.toLowerCase();
    if (BLOCKED_TAGS.has(tag)) {
      removals.add(`<${tag}> element`);
      parent.children.splice(parent.children.indexOf(el), 1);
      continue;
    }
    cleanAttributes(tag, el.attribs, removals);
    if (tag === 'style') {
      const css = el.children.filter(isText).map((t) => t.data).join('');
      const clean = sanitizeCss(css, removals);
      const text = new Text(clean.replace(/<\//g, '<\\/'));
      text.parent = el;
      el.children = clean ? [text] : [];
      continue;
    }
    cleanChildren(el, removals);
  }
}

/**
 * Only the escaping `{{…}}` form survives: triple-stash and `{{& }}` would print raw HTML from
 * order data, and partials or decorators could pull in other templates.
 */
export function neutralizeHandlebars(text: string, removals: Removals): string {
  let out = text;
  if (/\{\{\{|\}\}\}/.test(out)) {
    removals.add('unescaped {{{…}}} placeholder (made escaped)');
    out = out.replace(/\{\{\{/g, '{{').replace(/\}\}\}/g, '}}');
  }
  if (/\{\{~?\s*&/.test(out)) {
    removals.add('unescaped {{&…}} placeholder (made escaped)');
    out = out.replace(/\{\{(~?)\s*&/g, '{{$1');
  }
  if (/\{\{~?\s*(#?>|#?\*)/.test(out)) {
    removals.add('partial or decorator');
    out = out.replace(/\{\{~?\s*(#?>|#?\*)[^}]*\}\}/g, '');
  }
  return out;
}

/** An HTML fragment without active content or outside references. */
export function sanitizeHtml(html: string, removals: Removals): string {
  const doc = parseDocument(html, { decodeEntities: false, lowerCaseAttributeNames: true, recognizeSelfClosing: true });
  cleanChildren(doc, removals);
  return neutralizeHandlebars(render(doc, { encodeEntities: false, decodeEntities: false, selfClosingTags: false }), removals);
}

/** Ids of uploaded assets a compiled template refers to. */
export function assetRefs(text: string): string[] {
  return [...new Set([...text.matchAll(ASSET_URL_IN_TEXT)].map((m) => m[1]))];
}

/* ---------- GrapesJS project data ---------- */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const BLOCKED_TYPES = new Set(['script', 'iframe', 'video', 'map', 'link']);

function cleanComponent(c: Json, removals: Removals, depth: number): Json | undefined {
  if (depth > 60) {
    removals.add('components nested deeper than 60 levels');
    return undefined;
  }
  const tag = typeof c.tagName === 'string' ? c.tagName.toLowerCase() : '';
  const type = typeof c.type === 'string' ? c.type : '';
  if (BLOCKED_TAGS.has(tag) || BLOCKED_TYPES.has(type)) {
    removals.add(`<${tag || type}> element`);
    return undefined;
  }
  const out: Json = { ...c };
  for (const key of ['script', 'script-props', 'script-export', 'attributes-script']) {
    if (key in out) {
      removals.add('component script');
      delete out[key];
    }
  }
  if (isObject(out.attributes)) {
    const attrs = { ...(out.attributes as Record<string, string>) };
    for (const [k, v] of Object.entries(attrs)) if (typeof v !== 'string') attrs[k] = String(v);
    cleanAttributes(tag || 'div', attrs, removals);
    out.attributes = attrs;
  }
  if (typeof out.src === 'string' && !isSafeUrl(out.src, 'src', tag || 'img')) {
    removals.add(`external URL src="${preview(out.src)}"`);
    delete out.src;
  }
  if (isObject(out.style)) out.style = cleanStyleObject(out.style, removals);
  else if (typeof out.style === 'string') out.style = sanitizeInlineStyle(out.style, removals);
  if (typeof out.styles === 'string') out.styles = sanitizeCss(out.styles, removals);
  // raw HTML inside a component is exported as-is by GrapesJS (textnodes are escaped, content is not)
  if (typeof out.content === 'string' && type !== 'textnode') out.content = sanitizeHtml(out.content, removals);
  if (typeof out.content === 'string') out.content = neutralizeHandlebars(out.content, removals);
  if (typeof out.components === 'string') out.components = sanitizeHtml(out.components, removals);
  else if (Array.isArray(out.components)) out.components = cleanComponents(out.components, removals, depth + 1);
  else if (isObject(out.components)) out.components = cleanComponents([out.components], removals, depth + 1);
  return out;
}

function cleanComponents(list: unknown[], removals: Removals, depth: number): unknown[] {
  const out: unknown[] = [];
  for (const c of list) {
    if (typeof c === 'string') out.push(sanitizeHtml(c, removals));
    else if (isObject(c)) {
      const clean = cleanComponent(c, removals, depth);
      if (clean) out.push(clean);
    }
  }
  return out;
}

function cleanStyleObject(style: Json, removals: Removals): Json {
  const out: Json = {};
  for (const [prop, value] of Object.entries(style)) {
    if (prop.startsWith('@') || prop.startsWith('__')) {
      removals.add(`CSS ${prop}`);
      continue;
    }
    const reason = typeof value === 'string' ? dangerousCssValue(prop, value) : undefined;
    if (reason) removals.add(reason);
    else out[prop] = value;
  }
  return out;
}

function cleanStyleRule(rule: Json, removals: Removals): Json | undefined {
  const atRule = typeof rule.atRuleType === 'string' ? rule.atRuleType.toLowerCase() : '';
  const add = typeof rule.selectorsAdd === 'string' ? rule.selectorsAdd : '';
  const mediaText = typeof rule.mediaText === 'string' ? rule.mediaText : '';
  const atInSelector = /^\s*@([a-z-]+)/i.exec(add)?.[1]?.toLowerCase();
  for (const name of [atRule, atInSelector]) {
    if (name && !ALLOWED_AT_RULES.has(name)) {
      removals.add(`CSS @${name}`);
      return undefined;
    }
  }
  if (/url\s*\(|@import|[{};]/i.test(mediaText) || /@import|[{};]/i.test(add.replace(/^\s*@page/i, ''))) {
    removals.add('CSS rule with an embedded import or URL');
    return undefined;
  }
  return { ...rule, ...(isObject(rule.style) ? { style: cleanStyleObject(rule.style, removals) } : {}) };
}

/** Sanitised copy of a GrapesJS project (editor.getProjectData()). */
export function sanitizeProjectData(projectData: Json, removals: Removals): Json {
  const out: Json = { ...projectData };
  if (Array.isArray(out.pages)) {
    out.pages = out.pages.filter(isObject).map((page) => ({
      ...page,
      frames: Array.isArray(page.frames)
        ? page.frames.filter(isObject).map((frame) => {
            const component = isObject(frame.component) ? cleanComponent(frame.component, removals, 0) : undefined;
            return { ...frame, component: component ?? { type: 'wrapper' } };
          })
        : [],
    }));
  }
  if (Array.isArray(out.styles)) out.styles = out.styles.filter(isObject).map((r) => cleanStyleRule(r, removals)).filter(Boolean);
  if (Array.isArray(out.symbols)) out.symbols = cleanComponents(out.symbols, removals, 0);
  if (Array.isArray(out.assets)) {
    out.assets = out.assets.filter((a) => {
      const src = typeof a === 'string' ? a : isObject(a) && typeof a.src === 'string' ? a.src : '';
      const ok = isSafeUrl(src, 'src', 'img') && src !== '';
      if (!ok) removals.add(`external asset ${preview(src)}`);
      return ok;
    });
  }
  if (Array.isArray(out.dataSources) && out.dataSources.length > 0) {
    removals.add('data sources (templates print order data only)');
    out.dataSources = [];
  }
  return out;
}
