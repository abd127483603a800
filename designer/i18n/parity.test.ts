/**
 * Every translation file of the designer carries the same keys in English, Simplified and
 * Traditional Chinese, with the same {{placeholders}} and no empty texts. Files are found by glob,
 * so namespaces added by any feature are covered: designer/** /i18n.ts and *.i18n.ts
 * (defineMessages bundles), and JSON under a locales/ folder (locales/<lang>.json or
 * locales/<lang>/<namespace>.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LANGUAGES, type MessageBundle, type Messages } from './define';

const DESIGNER = path.resolve(__dirname, '..');
const SKIP_DIRS = new Set(['dist', 'node_modules']);
const PLURAL = /_(zero|one|two|few|many|other)$/;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : walk(path.join(dir, e.name));
    return [path.join(dir, e.name)];
  });
}

/** 'a.b.count_one' and 'a.b.count_other' both count as 'a.b.count': languages differ in plural forms. */
function flatten(messages: Messages, prefix = ''): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, value] of Object.entries(messages)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') {
      const base = full.replace(PLURAL, '');
      out.set(base, [...(out.get(base) ?? []), value]);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of flatten(value, full)) out.set(k, [...(out.get(k) ?? []), ...v]);
    } else {
      out.set(full, [String(value)]);
    }
  }
  return out;
}

const placeholders = (texts: string[]) => [...new Set(texts.flatMap((t) => [...t.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1])))].sort();

interface Source {
  file: string;
  namespace: string;
  resources: Partial<Record<string, Messages>>;
}

function isBundle(value: unknown): value is MessageBundle {
  return typeof value === 'object' && value !== null && typeof (value as MessageBundle).namespace === 'string' && typeof (value as MessageBundle).resources === 'object';
}

function collectSources(): Source[] {
  const files = walk(DESIGNER);
  const sources: Source[] = [];
  for (const file of files.filter((f) => /^(.+\.)?i18n\.tsx?$/.test(path.basename(f)))) {
    if (file.startsWith(path.join(DESIGNER, 'i18n') + path.sep)) continue; // the machinery itself
    // synchronous on purpose: describe.each needs the list while the suite is being defined
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as Record<string, unknown>;
    const bundles = Object.values(mod).filter(isBundle);
    if (bundles.length === 0) throw new Error(`${path.relative(DESIGNER, file)} exports no defineMessages(...) bundle`);
    for (const b of bundles) sources.push({ file, namespace: b.namespace, resources: b.resources });
  }
  // JSON locale files: locales/<lang>.json (namespace = parent folder) or locales/<lang>/<ns>.json
  const grouped = new Map<string, Source>();
  for (const file of files.filter((f) => f.endsWith('.json') && f.split(path.sep).includes('locales'))) {
    const rel = file.slice(file.lastIndexOf(`${path.sep}locales${path.sep}`) + 9).split(path.sep);
    const [lang, namespace] = rel.length === 1 ? [rel[0].replace(/\.json$/, ''), path.basename(path.dirname(path.dirname(file)))] : [rel[0], rel[1].replace(/\.json$/, '')];
    const key = `${file.slice(0, file.lastIndexOf(`${path.sep}locales${path.sep}`))}#${namespace}`;
    const source = grouped.get(key) ?? { file: path.join(key.split('#')[0], 'locales'), namespace, resources: {} };
    source.resources[lang] = JSON.parse(fs.readFileSync(file, 'utf8')) as Messages;
    grouped.set(key, source);
  }
  return [...sources, ...grouped.values()];
}

/** Everything wrong with one namespace, as readable lines (empty = fine). */
function parityProblems(source: Pick<Source, 'resources'>): string[] {
  const problems: string[] = [];
  const present = Object.keys(source.resources);
  for (const lang of LANGUAGES) if (!present.includes(lang)) problems.push(`${lang}: language missing`);
  for (const lang of present) if (!(LANGUAGES as readonly string[]).includes(lang)) problems.push(`${lang}: not a designer language`);
  const english = flatten(source.resources.en ?? {});
  for (const lang of LANGUAGES) {
    const texts = flatten(source.resources[lang] ?? {});
    for (const [key, values] of texts) if (values.some((v) => typeof v !== 'string' || v.trim() === '')) problems.push(`${lang}: ${key} is empty`);
    if (lang === 'en' || !source.resources[lang]) continue;
    for (const key of english.keys()) if (!texts.has(key)) problems.push(`${lang}: ${key} missing`);
    for (const key of texts.keys()) if (!english.has(key)) problems.push(`${lang}: ${key} not in English`);
    for (const [key, values] of english) {
      const theirs = texts.get(key);
      if (theirs && placeholders(values).join() !== placeholders(theirs).join()) problems.push(`${lang}: ${key} placeholders differ from English`);
    }
  }
  return problems;
}

const sources = collectSources();

describe('designer translations: every key in English, 简体中文 and 繁體中文', () => {
  it('given a namespace with a missing key, an extra key, a changed placeholder and an empty text, then each is reported', () => {
    const broken = {
      resources: {
        en: { a: 'A {{n}}', b: { c: 'C' }, items_one: '{{count}} item', items_other: '{{count}} items' },
        'zh-CN': { a: '甲 {{x}}', b: {}, items_other: '{{count}} 项', extra: '多' },
        'zh-TW': { a: '甲 {{n}}', b: { c: ' ' }, items_other: '{{count}} 項' },
      },
    };
    expect(parityProblems(broken).sort()).toEqual(
      ['zh-CN: b.c missing', 'zh-CN: extra not in English', 'zh-CN: a placeholders differ from English', 'zh-TW: b.c is empty'].sort(),
    );
    expect(parityProblems({ resources: { en: { a: 'A' } } })).toEqual(['zh-CN: language missing', 'zh-TW: language missing']);
  });

  it('finds the shell and admin namespaces (the glob works)', () => {
    expect(sources.map((s) => s.namespace)).toEqual(expect.arrayContaining(['common', 'admin']));
  });

  it('gives each namespace one file', () => {
    const files = new Map<string, string[]>();
    for (const s of sources) files.set(s.namespace, [...(files.get(s.namespace) ?? []), path.relative(DESIGNER, s.file)]);
    expect([...files].filter(([, f]) => f.length > 1)).toEqual([]);
  });

  it.each(sources.map((s) => [`${s.namespace} (${path.relative(DESIGNER, s.file)})`, s] as const))('%s: same keys and placeholders in every language, no empty text', (_name, source) => {
    expect(parityProblems(source)).toEqual([]);
  });
});
