/**
 * Safe patterns for the `matches` operator. JavaScript regexes backtrack, so a pattern such as
 * `(a+)+$` can hang the process on a 40-character input. Two defences:
 *  1. on save, shapes that backtrack exponentially are refused: a quantified group that contains a
 *     quantifier or an alternation, back-references and lookarounds;
 *  2. at run time, inputs are capped, and a match whose worst case (length ^ unbounded quantifiers)
 *     could still be long runs in a vm context under a watchdog (the watchdog costs ~0.1 ms, so short
 *     inputs and simple patterns run directly).
 */
import vm from 'node:vm';

export const MAX_PATTERN_LENGTH = 200;
export const MAX_MATCH_INPUT = 10_000;
export const MATCH_TIMEOUT_MS = 50;
const DIRECT_STEP_BUDGET = 1e6;

export interface SafePattern {
  source: string;
  regex: RegExp;
  /** count of *, + and {n,} quantifiers: the degree of the worst-case polynomial */
  unbounded: number;
}

interface GroupState {
  quantified: boolean;
  alternation: boolean;
}

/** Returns the compiled pattern or the reason it is refused. `(?i)` at the start means case-insensitive. */
export function analysePattern(input: string): SafePattern | string {
  if (input.length > MAX_PATTERN_LENGTH) return `pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  const insensitive = input.startsWith('(?i)');
  const source = insensitive ? input.slice(4) : input;
  let regex: RegExp;
  try {
    regex = new RegExp(source, insensitive ? 'iu' : 'u');
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  const stack: GroupState[] = [{ quantified: false, alternation: false }];
  let unbounded = 0;
  // what the last atom was, so a following quantifier knows what it applies to
  let lastGroup: GroupState | undefined;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const n = source[i + 1];
      if (n !== undefined && /[1-9]/.test(n)) return 'back-references are not allowed (they can backtrack without bound)';
      if (n === 'k' && source[i + 2] === '<') return 'named back-references are not allowed';
      i += n === 'u' && source[i + 2] === '{' ? source.indexOf('}', i) + 1 || source.length : 2;
      lastGroup = undefined;
      continue;
    }
    if (c === '[') {
      i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      lastGroup = undefined;
      continue;
    }
    if (c === '(') {
      if (source[i + 1] === '?') {
        const kind = source[i + 2];
        if (kind === '=' || kind === '!' || (kind === '<' && (source[i + 3] === '=' || source[i + 3] === '!'))) return 'lookahead and lookbehind are not allowed';
      }
      stack.push({ quantified: false, alternation: false });
      i += source[i + 1] === '?' ? (source[i + 2] === '<' ? source.indexOf('>', i) + 1 - i : 3) : 1;
      lastGroup = undefined;
      continue;
    }
    if (c === ')') {
      const closed = stack.pop();
      if (!closed || stack.length === 0) return 'unbalanced parenthesis';
      lastGroup = closed;
      i++;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1].alternation = true;
      i++;
      lastGroup = undefined;
      continue;
    }
    const quant = /^(?:[*+?]|\{(\d+)(,(\d*))?\})\??/.exec(source.slice(i));
    if (quant) {
      const open = quant[0][0] === '*' || quant[0][0] === '+' || (quant[2] !== undefined && quant[3] === '');
      const repeats = open || quant[0][0] !== '?' && (quant[3] ? Number(quant[3]) > 1 : Number(quant[1] ?? 0) > 1);
      if (lastGroup && repeats && (lastGroup.quantified || lastGroup.alternation)) {
        return 'a repeated group may not contain a quantifier or an alternation, e.g. (a+)+ or (a|ab)*: such patterns can backtrack exponentially';
      }
      if (open) unbounded++;
      if (repeats) for (const g of stack) g.quantified = true;
      i += quant[0].length;
      lastGroup = undefined;
      continue;
    }
    lastGroup = undefined;
    i++;
  }
  return { source: input, regex, unbounded };
}

const cache = new Map<string, SafePattern>();
const context = vm.createContext({ re: /$/, s: '' });
const script = new vm.Script('re.test(s)');

export class PatternTimeoutError extends Error {}

/** Tests a value against a pattern checked by analysePattern; the patterns come from validated rule sets. */
export function matchesPattern(value: unknown, pattern: string): boolean {
  if (typeof value !== 'string') return false;
  let safe = cache.get(pattern);
  if (!safe) {
    const analysed = analysePattern(pattern);
    if (typeof analysed === 'string') throw new Error(`Unsafe pattern ${pattern}: ${analysed}`);
    safe = analysed;
    if (cache.size < 5000) cache.set(pattern, safe);
  }
  const text = value.length > MAX_MATCH_INPUT ? value.slice(0, MAX_MATCH_INPUT) : value;
  safe.regex.lastIndex = 0;
  if (safe.unbounded < 2 || Math.pow(text.length, safe.unbounded) <= DIRECT_STEP_BUDGET) return safe.regex.test(text);
  context.re = safe.regex;
  context.s = text;
  try {
    return script.runInContext(context, { timeout: MATCH_TIMEOUT_MS }) === true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new PatternTimeoutError(`pattern ${pattern} took longer than ${MATCH_TIMEOUT_MS} ms on a ${text.length}-character value`);
    }
    throw err;
  }
}
