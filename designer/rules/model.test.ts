import { byPriority, formatValue, parseList, reorder, tableShape, type RuleSetDocument } from './model';

const rule = (name: string, priority: number, conditions: unknown) => ({ name, priority, conditions, event: { type: 'x', params: {} } }) as RuleSetDocument['rules'][number];

describe('rule builder model', () => {
  it('makes a decision table when every rule is one "all" group of plain conditions: rows = rules, columns = facts', () => {
    const shape = tableShape({
      rules: [
        rule('a', 20, { all: [{ fact: 'orderTotal', operator: 'greaterThan', value: 10 }, { fact: 'order', path: '$.type', operator: 'equal', value: 'express' }] }),
        rule('b', 10, { all: [{ fact: 'orderTotal', operator: 'lessThan', value: 5 }] }),
      ],
    });
    expect(shape!.columns.map((c) => c.key)).toEqual(['orderTotal', 'order.type']);
    expect(Object.keys(shape!.rows[1].cells)).toEqual(['orderTotal']);
  });

  it('refuses the table for nested groups', () => {
    expect(tableShape({ rules: [rule('a', 1, { all: [{ any: [{ fact: 'lineCount', operator: 'equal', value: 1 }] }] })] })).toBeNull();
    expect(tableShape({ rules: [rule('a', 1, { any: [{ fact: 'lineCount', operator: 'equal', value: 1 }] })] })).toBeNull();
  });

  it('reorders by priority and renumbers so priorities stay distinct', () => {
    const rules = [rule('low', 5, { all: [] }), rule('high', 50, { all: [] }), rule('mid', 20, { all: [] })];
    expect(byPriority(rules).map((x) => x.rule.name)).toEqual(['high', 'mid', 'low']);
    const moved = reorder(rules, 2, 0); // low to the top
    expect(byPriority(moved).map((x) => [x.rule.name, x.rule.priority])).toEqual([
      ['low', 30],
      ['high', 20],
      ['mid', 10],
    ]);
  });

  it('parses list inputs by type and formats values for people', () => {
    expect(parseList('1, 2.5 ,', 'number')).toEqual([1, 2.5]);
    expect(parseList(' DE, AT ', 'string')).toEqual(['DE', 'AT']);
    expect(formatValue({ fact: 'customerCredit', path: '$.available' })).toBe('customerCredit.available');
    expect(formatValue({ percent: 80, of: { fact: 'orderTotal' } })).toBe('80 % orderTotal');
    expect(formatValue(['KP', 'IR'])).toBe('KP, IR');
  });
});
