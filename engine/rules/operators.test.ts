import { OPERATOR_FUNCTIONS as op, OPERATOR_SPECS } from './operators';
import { MATCH_TIMEOUT_MS, PatternTimeoutError, matchesPattern } from './regex';

describe('rule operators', () => {
  it('in / not in a list, and a missing value satisfies neither', () => {
    expect(op.in('DE', ['DE', 'AT'])).toBe(true);
    expect(op.in('FR', ['DE', 'AT'])).toBe(false);
    expect(op.notIn('FR', ['DE', 'AT'])).toBe(true);
    expect(op.notIn(undefined, ['DE'])).toBe(false);
    expect(op.notEqual(null, 'x')).toBe(false);
  });

  it('contains tests list membership and substrings', () => {
    expect(op.contains(['SKU-1', 'SKU-2'], 'SKU-2')).toBe(true);
    expect(op.contains('please ship asap', 'asap')).toBe(true);
    expect(op.doesNotContain(['SKU-1'], 'SKU-2')).toBe(true);
    expect(op.contains(undefined, 'x')).toBe(false);
  });

  it('between is inclusive for numbers and dates', () => {
    expect(op.between(10, [10, 20])).toBe(true);
    expect(op.between(20.01, [10, 20])).toBe(false);
    expect(op.between('2026-03-31', ['2026-03-01', '2026-03-31'])).toBe(true);
    expect(op.between('2026-04-01', ['2026-03-01', '2026-03-31'])).toBe(false);
  });

  it('starts with, before and after', () => {
    expect(op.startsWith('SKU-100', 'SKU-')).toBe(true);
    expect(op.startsWith(7, '7')).toBe(false);
    expect(op.before('2026-01-05', '2026-01-10')).toBe(true);
    expect(op.after('2026-01-05T10:00:00Z', '2026-01-05')).toBe(true);
    expect(op.before(undefined, '2026-01-10')).toBe(false);
  });

  it('percentage of another fact, with each comparison', () => {
    expect(op.percentageOf(45000, { base: 40000, percent: 100, comparison: 'gt' })).toBe(true);
    expect(op.percentageOf(40000, { base: 40000, percent: 100, comparison: 'gt' })).toBe(false);
    expect(op.percentageOf(40000, { base: 40000, percent: 100, comparison: 'gte' })).toBe(true);
    expect(op.percentageOf(10, { base: 100, percent: 20, comparison: 'lt' })).toBe(true);
    expect(op.percentageOf(20, { base: 100, percent: 20, comparison: 'lte' })).toBe(true);
    expect(op.percentageOf(20, { base: undefined, percent: 20, comparison: 'lte' })).toBe(false);
  });

  it('exists tests presence', () => {
    expect(op.exists({ line: 'L1' }, true)).toBe(true);
    expect(op.exists(undefined, true)).toBe(false);
    expect(op.exists(null, false)).toBe(true);
  });

  it('numeric comparisons refuse non-numbers instead of coercing', () => {
    expect(op.greaterThan('100', 5)).toBe(false);
    expect(op.lessThanInclusive(5, 5)).toBe(true);
  });

  it('matches: case-insensitive with (?i), and a long input to a polynomial pattern is cut off by the watchdog', () => {
    expect(op.matches('qa@Test.invalid', '(?i)@test\\.invalid$')).toBe(true);
    expect(op.matches('qa@test.example', '(?i)@test\\.invalid$')).toBe(false);
    // \d*\d*\d*\d*x on 5,000 digits: ~10^14 steps, accepted by the static check (no nesting), bounded at run time
    const started = Date.now();
    expect(() => matchesPattern('1'.repeat(5000), '^\\d*\\d*\\d*\\d*x$')).toThrow(PatternTimeoutError);
    expect(Date.now() - started).toBeLessThan(MATCH_TIMEOUT_MS * 20);
  });

  it('declares which fact types each operator fits', () => {
    expect(OPERATOR_SPECS.matches.fits({ kind: 'string' })).toBe(true);
    expect(OPERATOR_SPECS.matches.fits({ kind: 'number' })).toBe(false);
    expect(OPERATOR_SPECS.contains.fits({ kind: 'array', of: 'string' })).toBe(true);
    expect(OPERATOR_SPECS.greaterThan.fits({ kind: 'date' })).toBe(false);
    expect(OPERATOR_SPECS.exists.fits({ kind: 'object' })).toBe(true);
  });
});
