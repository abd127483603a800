import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../../workflows/model/errors';
import { parseRuleSet } from './validate';

const base = () => ({ key: 'check', name: 'Check', kind: 'other', hitPolicy: 'first', defaultOutcome: { type: 'none' }, testCases: [] as unknown[], rules: [] as unknown[] });
const rule = (conditions: unknown, over: Record<string, unknown> = {}) => ({ name: 'r1', priority: 5, conditions, event: { type: 'flag', params: {} }, ...over });

function issues(doc: unknown) {
  try {
    parseRuleSet(doc);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  return [];
}

describe('rule-set validation against the fact registry', () => {
  it('accepts the shipped reference rule sets and lists the facts they use', () => {
    for (const file of ['order-review', 'allocation']) {
      const doc = parseRuleSet(JSON.parse(fs.readFileSync(path.join(__dirname, `../../workflows/rules/${file}.rules.json`), 'utf8')));
      expect(doc.facts!.length).toBeGreaterThan(3);
    }
  });

  it('names the rule, the condition path and the reason for each problem', () => {
    const doc = {
      ...base(),
      rules: [
        rule({ all: [{ fact: 'orderTotal', operator: 'greaterThan', value: '10000' }, { fact: 'order', path: '$.requestedDeliveryDate', operator: 'before', value: '31.12.2026' }] }),
        rule({ any: [{ fact: 'stock', params: { sku: 'A' }, operator: 'lessThan', value: 1 }, { fact: 'order', path: '$.lines[*]', operator: 'contains', value: 'A' }] }, { name: 'r2' }),
      ],
    };
    expect(issues(doc)).toEqual([
      { path: 'rules.0.conditions.all.0.value', message: 'rule "r1": must be a number, got "10000"' },
      { path: 'rules.0.conditions.all.1.value', message: 'rule "r1": must be a date like 2026-03-31, got "31.12.2026"' },
      { path: 'rules.1.conditions.any.0.params.warehouse', message: 'rule "r2": the fact "stock" needs the parameter "warehouse" (warehouse code)' },
      { path: 'rules.1.conditions.any.1.operator', message: 'rule "r2": operator "contains" does not fit the fact order $.lines[*], which is a object' },
    ]);
  });

  it('checks fact references as values and in event parameters', () => {
    const doc = {
      ...base(),
      rules: [
        rule(
          { all: [{ fact: 'orderTotal', operator: 'greaterThan', value: { fact: 'customerCredit', path: '$.rating' } }, { fact: 'orderTotal', operator: 'percentageOf', value: { percent: 'ten', of: { fact: 'nope' } } }] },
          { event: { type: 'flag', params: { where: { fact: 'fulfillableWarehouses', path: '$[0].name' } } } },
        ),
      ],
    };
    expect(issues(doc)).toEqual([
      { path: 'rules.0.conditions.all.0.value', message: 'rule "r1": the fact reference is a string, the condition needs a number' },
      { path: 'rules.0.conditions.all.1.value.percent', message: 'rule "r1": must be a number from 0 to 100000' },
      { path: 'rules.0.conditions.all.1.value.of.fact', message: 'rule "r1": unknown fact "nope"' },
      { path: 'rules.0.event.params.where.path', message: 'rule "r1": path $[0].name of fact "fulfillableWarehouses" has no field "name"' },
    ]);
  });

  it('refuses a leaf as the root, unknown shapes, duplicate names and reserved outcome keys', () => {
    const doc = {
      ...base(),
      rules: [
        rule({ fact: 'orderTotal', operator: 'greaterThan', value: 1 }),
        rule({ all: [{ every: [] }] }, { name: 'r2', event: { type: 'flag', params: { decision: 'x' } } }),
        rule({ all: [{ fact: 'orderTotal', operator: 'greaterThan', value: 1 }] }, { name: 'r2' }),
      ],
    };
    expect(issues(doc)).toEqual(
      expect.arrayContaining([
        { path: 'rules.0.conditions', message: 'the conditions of a rule are one group: {"all":[…]}, {"any":[…]} or {"not":{…}}' },
        { path: 'rules.1.conditions.all.0', message: 'a condition is {"all":[…]}, {"any":[…]}, {"not":{…}} or {"fact","operator","value"}' },
        { path: 'rules.1.event.params', message: 'must not use the reserved names decision, rules, results' },
        { path: 'rules.2.name', message: '"r2" is already the name of rules.1' },
      ]),
    );
  });

  it('refuses unknown facts in test cases', () => {
    const doc = { ...base(), testCases: [{ name: 't', order: {}, facts: { credit: 1, order: {} }, expect: { decision: 'none' } }] };
    expect(issues(doc)).toEqual([
      { path: 'testCases.0.facts.credit', message: 'test case "t": unknown fact "credit"' },
      { path: 'testCases.0.facts.order', message: 'test case "t": give the order in "order", not in "facts"' },
    ]);
  });
});
