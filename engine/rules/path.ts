/**
 * A compiled replacement for json-rules-engine's JSONPath resolver: about half of every evaluation
 * went into jsonpath-plus (notes, part B). Rule paths are restricted to `$.a.b`, `$.a[0]`, `$.a[*].b`
 * and `$.a.length`; anything else is refused when a rule set is saved.
 */
export type PathSegment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'each' };

const SEGMENT = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d{1,6})\]|\[\*\]/y;
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Parses a rule path; returns an error message for anything outside the supported grammar. */
export function parsePath(path: string): PathSegment[] | string {
  if (!path.startsWith('$')) return 'must start with $';
  const segments: PathSegment[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const at = SEGMENT.lastIndex;
    const m = SEGMENT.exec(path);
    if (!m) return `unsupported syntax at character ${at + 1} (use $.field, [0], [*] or .length)`;
    if (m[1] !== undefined) {
      if (FORBIDDEN_KEYS.has(m[1])) return `"${m[1]}" is not allowed in a path`;
      segments.push({ kind: 'key', key: m[1] });
    } else if (m[2] !== undefined) segments.push({ kind: 'index', index: Number(m[2]) });
    else segments.push({ kind: 'each' });
  }
  return segments;
}

type Step = (value: unknown) => unknown;

function step(segment: PathSegment): Step {
  if (segment.kind === 'index') return (v) => (Array.isArray(v) ? v[segment.index] : undefined);
  const key = segment.kind === 'key' ? segment.key : '';
  if (key === 'length') return (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined);
  return (v) => (v !== null && typeof v === 'object' && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined);
}

function compile(segments: PathSegment[]): Step {
  const each = segments.findIndex((s) => s.kind === 'each');
  const head = (each < 0 ? segments : segments.slice(0, each)).map(step);
  const walk: Step = (v) => {
    let cur = v;
    for (const s of head) {
      if (cur === undefined || cur === null) return undefined;
      cur = s(cur);
    }
    return cur;
  };
  if (each < 0) return walk;
  const rest = compile(segments.slice(each + 1));
  const nestedEach = segments.slice(each + 1).some((s) => s.kind === 'each');
  return (v) => {
    const list = walk(v);
    if (!Array.isArray(list)) return undefined;
    const out: unknown[] = [];
    for (const item of list) {
      const r = rest(item);
      if (nestedEach && Array.isArray(r)) out.push(...r);
      else if (r !== undefined) out.push(r);
    }
    return out;
  };
}

const compiled = new Map<string, Step>();
const MAX_CACHED = 10_000;

/** json-rules-engine `pathResolver`: compiles each distinct path once. */
export function resolvePath(value: unknown, path: string): unknown {
  let fn = compiled.get(path);
  if (!fn) {
    const segments = parsePath(path);
    if (typeof segments === 'string') throw new Error(`Invalid rule path ${path}: ${segments}`);
    fn = compile(segments);
    if (compiled.size < MAX_CACHED) compiled.set(path, fn);
  }
  return fn(value);
}
