import { checkTemplate, parseExpression, resolveTemplate } from './expressions';

describe('the allow-listed expression grammar', () => {
  const scope = { variables: { review: { decision: 'approve' }, total: 1200, lines: [{ sku: 'A' }, { sku: 'B' }], paid: false, name: 'SO-1' } };

  it('evaluates paths, literals, comparisons and boolean logic', () => {
    expect(resolveTemplate("${variables.review.decision == 'approve' && variables.total > 1000}", scope)).toBe(true);
    expect(resolveTemplate('${!variables.paid}', scope)).toBe(true);
    expect(resolveTemplate('${variables.lines[1].sku}', scope)).toBe('B');
    expect(resolveTemplate('${variables.lines[-1].sku}', scope)).toBe('B');
    expect(resolveTemplate('${environment.variables.total >= 1200}', scope)).toBe(true);
    expect(resolveTemplate('Order ${variables.name}: ${variables.total}', scope)).toBe('Order SO-1: 1200');
    expect(resolveTemplate('no expression', scope)).toBe('no expression');
    expect(resolveTemplate('${variables.missing.deep}', scope)).toBeUndefined();
  });

  it.each([
    ["environment.constructor.constructor('return process')()", /not allowed|calling/],
    ['variables.__proto__', /__proto__/],
    ['variables.x.constructor', /constructor/],
    ['variables.x.prototype', /prototype/],
    ['process.env', /"process" is not allowed/],
    ['variables.fn()', /calling functions/],
    ['variables.a = 1', /not allowed/],
    ['variables.a + 1', /not allowed/],
    ['environment.services', /environment may only/],
    ['this.constructor', /"this" is not allowed/],
  ])('refuses %s', (src, message) => {
    expect(() => parseExpression(src)).toThrow(message);
    expect(checkTemplate(`\${${src}}`)).not.toEqual([]);
  });

  it('never reaches inherited properties', () => {
    expect(resolveTemplate('${variables.toString}', scope)).toBeUndefined();
    // own properties only: an array's length is one
    expect(resolveTemplate('${variables.lines.length}', scope)).toBe(2);
    expect(resolveTemplate('${variables.name.length}', scope)).toBeUndefined();
  });

  it('reports JUEL and unclosed expressions', () => {
    expect(checkTemplate('#{x}')).toEqual([expect.stringMatching(/JUEL/)]);
    expect(checkTemplate('${variables.a')).toEqual([expect.stringMatching(/not closed/)]);
  });
});
