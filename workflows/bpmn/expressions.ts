/**
 * The only expression language Ordo runs inside `${...}`: property paths, literals, comparisons
 * and boolean logic. No calls, no assignment, no arithmetic, no prototype access, so an expression
 * authored in a diagram cannot reach host code (bpmn-engine's default resolver and node:vm can).
 * Browser-safe: the modeler's lint uses the same parser as the runtime.
 *
 *   ${variables.review.decision == 'approve' && variables.order.total > 100}
 *   ${variables.lines[0].sku}    ${environment.variables.slaDuration}    ${!variables.paid}
 */

export type ExprNode =
  | { k: 'lit'; v: string | number | boolean | null }
  | { k: 'path'; root: string; segs: Array<string | number> }
  | { k: 'not'; e: ExprNode }
  | { k: 'bin'; op: BinOp; l: ExprNode; r: ExprNode };

type BinOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

/** roots an expression may start from; `environment` must be followed by variables or output */
export const EXPRESSION_ROOTS = ['variables', 'environment', 'content', 'result'] as const;
const FORBIDDEN_SEGMENTS = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__']);
const MAX_LENGTH = 500;

export class ExpressionError extends Error {}

interface Token {
  t: 'id' | 'num' | 'str' | 'op' | 'end';
  v: string;
  at: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? '') && !isOperand(out[out.length - 1]))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          s += src[j + 1];
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new ExpressionError(`unterminated string at ${i}`);
      out.push({ t: 'str', v: s, at: i });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 3) === '===' || src.slice(i, i + 3) === '!==' ? src.slice(i, i + 3) : src.slice(i, i + 2);
    if (['===', '!==', '==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two.length === 3 ? two.slice(0, 2) : two, at: i });
      i += two.length;
      continue;
    }
    if ('<>!()[].'.includes(c)) {
      out.push({ t: 'op', v: c, at: i });
      i++;
      continue;
    }
    throw new ExpressionError(`character "${c}" is not allowed at ${i} (only paths, literals, comparisons, && || !)`);
  }
  out.push({ t: 'end', v: '', at: src.length });
  return out;
}

function isOperand(t: Token | undefined): boolean {
  return !!t && (t.t === 'id' || t.t === 'num' || t.t === 'str' || t.v === ')' || t.v === ']');
}

/** Parses the inside of `${...}`. Throws ExpressionError naming what is not allowed. */
export function parseExpression(src: string): ExprNode {
  if (src.length > MAX_LENGTH) throw new ExpressionError(`longer than ${MAX_LENGTH} characters`);
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const eat = (v?: string): Token => {
    const t = toks[p];
    if (v !== undefined && t.v !== v) throw new ExpressionError(`expected "${v}" at ${t.at}`);
    p++;
    return t;
  };
  const binary = (next: () => ExprNode, ops: BinOp[]) => (): ExprNode => {
    let l = next();
    while (peek().t === 'op' && (ops as string[]).includes(peek().v)) {
      const op = eat().v as BinOp;
      l = { k: 'bin', op, l, r: next() };
    }
    return l;
  };
  const primary = (): ExprNode => {
    const t = peek();
    if (t.t === 'num') return eat(), { k: 'lit', v: Number(t.v) };
    if (t.t === 'str') return eat(), { k: 'lit', v: t.v };
    if (t.v === '(') {
      eat('(');
      const e = orExpr();
      eat(')');
      return e;
    }
    if (t.t === 'id') {
      eat();
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (!(EXPRESSION_ROOTS as readonly string[]).includes(t.v)) {
        throw new ExpressionError(`"${t.v}" is not allowed; a path starts with ${EXPRESSION_ROOTS.join(', ')}`);
      }
      const segs: Array<string | number> = [];
      for (;;) {
        if (peek().v === '.') {
          eat('.');
          const id = eat();
          if (id.t !== 'id') throw new ExpressionError(`expected a property name at ${id.at}`);
          segs.push(id.v);
        } else if (peek().v === '[') {
          eat('[');
          const idx = eat();
          if (idx.t === 'num') segs.push(Number(idx.v));
          else if (idx.t === 'str') segs.push(idx.v);
          else throw new ExpressionError(`only a number or a quoted name may stand in [] (at ${idx.at})`);
          eat(']');
        } else break;
        if (peek().v === '(') throw new ExpressionError('calling functions is not allowed');
      }
      if (peek().v === '(') throw new ExpressionError('calling functions is not allowed');
      for (const s of segs) if (typeof s === 'string' && FORBIDDEN_SEGMENTS.has(s)) throw new ExpressionError(`"${s}" is not allowed in a path`);
      if (t.v === 'environment' && segs[0] !== 'variables' && segs[0] !== 'output') {
        throw new ExpressionError('environment may only be followed by .variables or .output');
      }
      return { k: 'path', root: t.v, segs };
    }
    throw new ExpressionError(t.t === 'end' ? 'the expression is incomplete' : `unexpected "${t.v}" at ${t.at}`);
  };
  const unary = (): ExprNode => {
    if (peek().v === '!') {
      eat('!');
      return { k: 'not', e: unary() };
    }
    return primary();
  };
  const cmp = binary(unary, ['==', '!=', '<', '<=', '>', '>=']);
  const andExpr = binary(cmp, ['&&']);
  const orExpr = binary(andExpr, ['||']);
  const tree = orExpr();
  if (peek().t !== 'end') throw new ExpressionError(`unexpected "${peek().v}" at ${peek().at}`);
  return tree;
}

export interface ExpressionScope {
  variables?: Record<string, unknown>;
  output?: Record<string, unknown>;
  content?: unknown;
  result?: unknown;
}

function own(obj: unknown, key: string | number): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  if (Array.isArray(obj) && typeof key === 'number') return obj[key < 0 ? obj.length + key : key];
  return Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Record<string | number, unknown>)[key] : undefined;
}

export function evaluateNode(node: ExprNode, scope: ExpressionScope): unknown {
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'not':
      return !evaluateNode(node.e, scope);
    case 'path': {
      let segs = node.segs;
      let cur: unknown;
      if (node.root === 'environment') {
        cur = segs[0] === 'variables' ? scope.variables : scope.output;
        segs = segs.slice(1);
      } else cur = node.root === 'variables' ? scope.variables : node.root === 'content' ? scope.content : scope.result;
      for (const s of segs) cur = own(cur, s);
      return typeof cur === 'function' ? undefined : cur;
    }
    case 'bin': {
      if (node.op === '&&') return Boolean(evaluateNode(node.l, scope)) && Boolean(evaluateNode(node.r, scope));
      if (node.op === '||') return Boolean(evaluateNode(node.l, scope)) || Boolean(evaluateNode(node.r, scope));
      const l = evaluateNode(node.l, scope) as never;
      const r = evaluateNode(node.r, scope) as never;
      switch (node.op) {
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
      }
    }
  }
}

const TEMPLATE = /\$\{([^}]*)\}/g;
const WHOLE = /^\$\{([^}]*)\}$/;

export const hasExpression = (text: unknown): boolean => typeof text === 'string' && /\$\{[^}]*\}/.test(text);
export const isExpression = (text: unknown): boolean => typeof text === 'string' && WHOLE.test(text);

/** Every problem in a text that may hold `${...}` templates; [] when it is safe to run. */
export function checkTemplate(text: string): string[] {
  const problems: string[] = [];
  if (/#\{/.test(text)) problems.push('#{...} (JUEL) expressions are not supported; use ${...}');
  for (const m of text.matchAll(TEMPLATE)) {
    try {
      parseExpression(m[1]);
    } catch (err) {
      problems.push(`\${${m[1]}}: ${(err as Error).message}`);
    }
  }
  if (/\$\{[^}]*$/.test(text)) problems.push('an expression is not closed with }');
  return problems;
}

const cache = new Map<string, ExprNode>();
function cached(src: string): ExprNode {
  let n = cache.get(src);
  if (!n) {
    n = parseExpression(src);
    if (cache.size > 5000) cache.clear();
    cache.set(src, n);
  }
  return n;
}

/** `${expr}` alone → its value; text with templates → the text with each value inserted; other text unchanged. */
export function resolveTemplate(text: string, scope: ExpressionScope): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return evaluateNode(cached(whole[1]), scope);
  if (!text.includes('${')) return text;
  return text.replace(TEMPLATE, (_m, src: string) => {
    const v = evaluateNode(cached(src), scope);
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}
