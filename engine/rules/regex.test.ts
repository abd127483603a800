import { analysePattern } from './regex';

const refused = (p: string) => {
  const r = analysePattern(p);
  return typeof r === 'string' ? r : undefined;
};

describe('safe patterns for the matches operator', () => {
  it.each(['^(a+)+$', '(\\d*)*x', '^(a|aa)*$', '(x+x+)+y', '((ab)*c)+', '(?:a{1,5}){2,}'])('refuses the catastrophic shape %s', (p) => {
    expect(refused(p)).toMatch(/backtrack exponentially/);
  });

  it('refuses back-references, lookarounds, over-long and invalid patterns', () => {
    expect(refused('(a)\\1')).toMatch(/back-references/);
    expect(refused('(?<x>a)\\k<x>')).toMatch(/back-references/);
    expect(refused('a(?=b)')).toMatch(/lookahead/);
    expect(refused('(?<!a)b')).toMatch(/lookbehind/);
    expect(refused('a'.repeat(201))).toMatch(/longer than 200/);
    expect(refused('(abc')).toMatch(/not a valid regular expression/);
  });

  it.each(['^SKU-\\d{3,6}$', '^(DE|AT|CH)$', '(?i)^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$', '^(?:ab)?c+$', '^[A-Z]{2}(\\d{2})?$'])('accepts the ordinary pattern %s', (p) => {
    expect(refused(p)).toBeUndefined();
  });

  it('counts unbounded quantifiers (the degree of the worst case)', () => {
    const r = analysePattern('^\\S+@\\S+\\.\\S+$');
    expect(typeof r === 'object' && r.unbounded).toBe(3);
  });
});
