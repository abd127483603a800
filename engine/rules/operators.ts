/**
 * The operators of Ordo rules, registered on every engine. They replace json-rules-engine's
 * built-ins with one deliberate difference: a missing fact value (undefined / null) never satisfies
 * a comparison, not even notEqual / notIn / doesNotContain (upstream they quietly become true).
 * Use `exists` to test presence.
 */
import type { Operator } from '../../workflows/model/rule-set';
import { matchesPattern } from './regex';

export type ValueKind = 'number' | 'string' | 'boolean' | 'date' | 'enum';

/** The type of a fact (after its path) as far as operators care. */
export type LeafType = { kind: ValueKind; values?: readonly string[] } | { kind: 'array'; of: ValueKind; values?: readonly string[] } | { kind: 'object' };

export interface PercentValue {
  base: unknown;
  percent: number;
  comparison: 'gt' | 'gte' | 'lt' | 'lte';
}

const missing = (v: unknown) => v === undefined || v === null;
const time = (v: unknown): number => (typeof v === 'string' || typeof v === 'number' ? Date.parse(String(v)) : v instanceof Date ? v.getTime() : NaN);
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const OPERATOR_FUNCTIONS: Record<Operator, (fact: unknown, value: any) => boolean> = {
  equal: (a, b) => !missing(a) && a === b,
  notEqual: (a, b) => !missing(a) && a !== b,
  lessThan: (a, b) => num(a) && num(b) && a < b,
  lessThanInclusive: (a, b) => num(a) && num(b) && a <= b,
  greaterThan: (a, b) => num(a) && num(b) && a > b,
  greaterThanInclusive: (a, b) => num(a) && num(b) && a >= b,
  between: (a, b) => {
    if (missing(a) || !Array.isArray(b)) return false;
    if (num(a)) return a >= b[0] && a <= b[1];
    const t = time(a);
    return t >= time(b[0]) && t <= time(b[1]);
  },
  in: (a, b) => !missing(a) && Array.isArray(b) && b.includes(a),
  notIn: (a, b) => !missing(a) && Array.isArray(b) && !b.includes(a),
  contains: (a, b) => (Array.isArray(a) ? a.includes(b) : typeof a === 'string' && typeof b === 'string' && a.includes(b)),
  doesNotContain: (a, b) => (Array.isArray(a) ? !a.includes(b) : typeof a === 'string' && typeof b === 'string' && !a.includes(b)),
  startsWith: (a, b) => typeof a === 'string' && typeof b === 'string' && a.startsWith(b),
  matches: (a, b) => typeof b === 'string' && matchesPattern(a, b),
  before: (a, b) => !missing(a) && !missing(b) && time(a) < time(b),
  after: (a, b) => !missing(a) && !missing(b) && time(a) > time(b),
  percentageOf: (a, b: PercentValue) => {
    if (!num(a) || !b || !num(b.base)) return false;
    const threshold = (b.base * b.percent) / 100;
    switch (b.comparison) {
      case 'gte':
        return a >= threshold;
      case 'lt':
        return a < threshold;
      case 'lte':
        return a <= threshold;
      default:
        return a > threshold;
    }
  },
  exists: (a, b) => !missing(a) === (b !== false),
};

/** What each operator accepts: the fact types it fits and the value it expects. */
export interface OperatorSpec {
  label: string;
  fits(type: LeafType): boolean;
  /** 'same': a value of the fact's type; 'list': an array of those; 'range': [min, max]; … */
  value: 'same' | 'element' | 'list' | 'range' | 'text' | 'pattern' | 'percent' | 'boolean';
}

const scalar = (t: LeafType) => t.kind !== 'array' && t.kind !== 'object';
const is = (...kinds: string[]) => (t: LeafType) => kinds.includes(t.kind);

export const OPERATOR_SPECS: Record<Operator, OperatorSpec> = {
  equal: { label: '=', fits: scalar, value: 'same' },
  notEqual: { label: '≠', fits: scalar, value: 'same' },
  lessThan: { label: '<', fits: is('number'), value: 'same' },
  lessThanInclusive: { label: '≤', fits: is('number'), value: 'same' },
  greaterThan: { label: '>', fits: is('number'), value: 'same' },
  greaterThanInclusive: { label: '≥', fits: is('number'), value: 'same' },
  between: { label: 'between', fits: is('number', 'date'), value: 'range' },
  in: { label: 'in', fits: is('number', 'string', 'enum'), value: 'list' },
  notIn: { label: 'not in', fits: is('number', 'string', 'enum'), value: 'list' },
  contains: { label: 'contains', fits: (t) => t.kind === 'array' || t.kind === 'string', value: 'element' },
  doesNotContain: { label: 'does not contain', fits: (t) => t.kind === 'array' || t.kind === 'string', value: 'element' },
  startsWith: { label: 'starts with', fits: is('string'), value: 'text' },
  matches: { label: 'matches', fits: is('string'), value: 'pattern' },
  before: { label: 'before', fits: is('date'), value: 'same' },
  after: { label: 'after', fits: is('date'), value: 'same' },
  percentageOf: { label: '% of', fits: is('number'), value: 'percent' },
  exists: { label: 'exists', fits: () => true, value: 'boolean' },
};
