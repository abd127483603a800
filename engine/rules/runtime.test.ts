import fs from 'node:fs';
import path from 'node:path';
import { UnprocessableError } from '../../workflows/model/errors';
import type { RuleSetDocumentInput } from '../../workflows/model/rule-set';
import type { FactSources, WarehouseStock } from './facts';
import { RuleSetRuntime } from './runtime';
import { parseRuleSet } from './validate';

const order = (total: number, over: Record<string, unknown> = {}) => ({
  customer: { id: 'C1', name: 'C' },
  shippingAddress: { line1: 'x', city: 'y', postcode: '1', country: 'DE' },
  lines: [{ sku: 'A', name: 'A', quantity: 2, unitPrice: total / 2, unit: 'pcs', lineTotal: total }],
  totals: { subtotal: total, shipping: 0, tax: 0, total },
  ...over,
});

const doc = (hitPolicy: 'first' | 'collect' | 'unique'): RuleSetDocumentInput => ({
  key: 'tiers',
  name: 'Tiers',
  kind: 'review',
  hitPolicy,
  rules: [
    { name: 'big', priority: 10, conditions: { all: [{ fact: 'orderTotal', operator: 'greaterThan', value: 1000 }] }, event: { type: 'manual', params: { reason: 'BIG', total: { fact: 'orderTotal' } } } },
    { name: 'foreign', priority: 20, conditions: { all: [{ not: { fact: 'order', path: '$.shippingAddress.country', operator: 'equal', value: 'DE' } }] }, event: { type: 'manual', params: { reason: 'FOREIGN' } } },
    { name: 'tiny', priority: 5, conditions: { any: [{ fact: 'orderTotal', operator: 'lessThan', value: 10 }, { fact: 'lineCount', operator: 'equal', value: 0 }] }, event: { type: 'reject', params: { reason: 'TINY' } } },
  ],
  defaultOutcome: { type: 'approve', params: { reason: 'OK' } },
});

describe('evaluation runtime', () => {
  const runtime = new RuleSetRuntime();

  it('first: the highest priority match decides; nothing matched → the default outcome', async () => {
    const c = runtime.compile(parseRuleSet(doc('first')));
    expect((await runtime.evaluate(c, order(5000, { shippingAddress: { country: 'AT' } }))).outcome).toEqual({ decision: 'manual', reason: 'FOREIGN', rules: ['foreign'] });
    expect((await runtime.evaluate(c, order(5000))).outcome).toEqual({ decision: 'manual', reason: 'BIG', total: 5000, rules: ['big'] });
    const none = await runtime.evaluate(c, order(100));
    expect(none).toMatchObject({ usedDefault: true, outcome: { decision: 'approve', reason: 'OK', rules: [] } });
  });

  it('collect: every match, in priority order', async () => {
    const c = runtime.compile(parseRuleSet(doc('collect')));
    const d = await runtime.evaluate(c, order(5000, { shippingAddress: { country: 'AT' } }));
    expect(d.outcome).toEqual({
      decision: 'manual',
      reason: 'FOREIGN',
      rules: ['foreign', 'big'],
      results: [
        { decision: 'manual', rule: 'foreign', reason: 'FOREIGN' },
        { decision: 'manual', rule: 'big', reason: 'BIG', total: 5000 },
      ],
    });
  });

  it('unique: two matches are an error naming both rules', async () => {
    const c = runtime.compile(parseRuleSet(doc('unique')));
    expect((await runtime.evaluate(c, order(5000))).outcome.rules).toEqual(['big']);
    const twice = runtime.evaluate(c, order(5000, { shippingAddress: { country: 'AT' } }));
    await expect(twice).rejects.toBeInstanceOf(UnprocessableError);
    await expect(twice).rejects.toThrow('Hit policy "unique": 2 rules matched (foreign, big)');
  });

  it('explains every rule: fired or not, each condition with fact value, operator, expected value and result', async () => {
    const c = runtime.compile(parseRuleSet(doc('first')));
    const d = await runtime.evaluate(c, order(5, { lines: [] }), { explain: true });
    expect(d.explanation!.rules.map((r) => [r.name, r.matched, r.decisive])).toEqual([
      ['foreign', false, false],
      ['big', false, false],
      ['tiny', true, true],
    ]);
    expect(d.explanation!.rules[0].conditions).toEqual({
      type: 'all',
      result: false,
      children: [{ type: 'not', result: false, children: [{ type: 'condition', result: true, fact: 'order', path: '$.shippingAddress.country', operator: 'equal', value: 'DE', factResult: 'DE', valueResult: 'DE' }] }],
    });
    // `any` stops at the first true condition of the highest fact priority: the rest is marked not evaluated
    const tiny = d.explanation!.rules[2].conditions;
    expect(tiny.result).toBe(true);
    expect(tiny.children!.map((n) => [n.fact, n.factResult, n.result])).toEqual([
      ['orderTotal', 5, true],
      ['lineCount', 0, true],
    ]);
  });

  it('a disabled rule is not evaluated', async () => {
    const input = doc('first');
    input.rules[1].enabled = false;
    const c = runtime.compile(parseRuleSet(input));
    expect((await runtime.evaluate(c, order(5000, { shippingAddress: { country: 'AT' } }))).outcome.rules).toEqual(['big']);
  });

  describe('dynamic facts', () => {
    const stockDoc: RuleSetDocumentInput = {
      key: 'stock',
      name: 'Stock',
      kind: 'allocation',
      hitPolicy: 'first',
      rules: [
        { name: 'w1', priority: 30, conditions: { all: [{ fact: 'warehouseCovers', params: { warehouse: 'W1' }, operator: 'equal', value: true }] }, event: { type: 'warehouse', params: { warehouse: 'W1' } } },
        { name: 'any', priority: 20, conditions: { all: [{ fact: 'fulfillableWarehouses', path: '$.length', operator: 'greaterThan', value: 0 }] }, event: { type: 'warehouse', params: { warehouse: { fact: 'fulfillableWarehouses', path: '$[0]' } } } },
        { name: 'few', priority: 10, conditions: { all: [{ fact: 'stock', params: { warehouse: 'W2', sku: 'a' }, operator: 'lessThan', value: 100 }] }, event: { type: 'low', params: {} } },
      ],
      defaultOutcome: { type: 'backorder', params: {} },
    };
    const levels = (i: number): WarehouseStock[] => [
      { warehouse: 'W1', country: 'NL', levels: { A: i % 3 === 0 ? 10 : 0 } },
      { warehouse: 'W2', country: 'DE', levels: { A: i % 2 === 0 ? 10 : 0 } },
    ];

    it('asks the connector once per evaluation however many rules use the stock', async () => {
      let calls = 0;
      const sources: FactSources = { stockLevels: async () => (calls++, levels(0)) };
      const rt = new RuleSetRuntime({ sources });
      const c = rt.compile(parseRuleSet(stockDoc));
      expect((await rt.evaluate(c, order(10))).outcome).toMatchObject({ decision: 'warehouse', warehouse: 'W1' });
      expect(calls).toBe(1);
    });

    it('50 concurrent evaluations with a 1 ms async stock fact all equal the sequential answers', async () => {
      const orders = Array.from({ length: 50 }, (_, i) => order(10, { id: String(i) }));
      const sources: FactSources = {
        stockLevels: (_skus, ctx) => new Promise((resolve) => setTimeout(() => resolve(levels(Number(ctx?.businessKey))), 1)),
      };
      const rt = new RuleSetRuntime({ sources });
      const c = rt.compile(parseRuleSet(stockDoc));
      const ctx = (i: number) => ({ instanceId: 'i', activityId: 'a', idempotencyKey: String(i), attempt: 1, businessKey: String(i) });
      const sequential = [];
      for (let i = 0; i < orders.length; i++) sequential.push((await rt.evaluate(c, orders[i], { ctx: ctx(i) })).outcome);
      const concurrent = await Promise.all(orders.map((o, i) => rt.evaluate(c, o, { ctx: ctx(i) }).then((d) => d.outcome)));
      expect(new Set(sequential.map((o) => `${o.decision}:${o.warehouse}`)).size).toBe(3);
      expect(concurrent).toEqual(sequential);
      expect(c.pool.length).toBeGreaterThan(1); // several engines were in flight at once
    });

    it('a connector that does not answer in time fails the evaluation as retryable', async () => {
      const rt = new RuleSetRuntime({ sources: { stockLevels: () => new Promise(() => undefined) }, factTimeoutMs: 20 });
      const c = rt.compile(parseRuleSet(stockDoc));
      await expect(rt.evaluate(c, order(10))).rejects.toMatchObject({ retryable: true, message: 'The fact inventory did not answer within 20 ms' });
    });

    it('values given by the caller win over the connector', async () => {
      const rt = new RuleSetRuntime({ sources: { stockLevels: () => Promise.reject(new Error('must not be called')) } });
      const c = rt.compile(parseRuleSet(stockDoc));
      const d = await rt.evaluate(c, order(10), { facts: { inventory: levels(2) } });
      expect(d.outcome).toMatchObject({ decision: 'warehouse', warehouse: 'W2', rules: ['any'] });
    });
  });

  describe('allocation: the earliest day with stock and a warehouse per line', () => {
    const plan: RuleSetDocumentInput = {
      key: 'plan',
      name: 'Plan',
      kind: 'allocation',
      hitPolicy: 'first',
      rules: [{ name: 'plan', priority: 1, conditions: { all: [{ fact: 'lineCount', operator: 'greaterThan', value: 0 }] }, event: { type: 'plan', params: { earliest: { fact: 'earliestStockShipment' }, lines: { fact: 'splitPlan' } } } }],
      defaultOutcome: { type: 'none', params: {} },
    };
    const c = runtime.compile(parseRuleSet(plan));
    const twoLines = order(0, {
      shippingAddress: { country: 'NL' },
      lines: [
        { sku: 'A', name: 'A', quantity: 10, unitPrice: 1, unit: 'pcs', lineTotal: 10 },
        { sku: 'B', name: 'B', quantity: 4, unitPrice: 1, unit: 'pcs', lineTotal: 4 },
      ],
    });
    const decide = async (inventory: WarehouseStock[]) => (await runtime.evaluate(c, twoLines, { facts: { today: '2026-01-10', inventory } })).outcome;

    it('ships today from a warehouse that has everything now; else on the first receipt day that completes one, the shipping country winning a tie', async () => {
      expect((await decide([{ warehouse: 'DE-1', country: 'DE', levels: { A: 10, B: 4 } }])).earliest).toEqual({ warehouse: 'DE-1', date: '2026-01-10' });
      const later: WarehouseStock[] = [
        { warehouse: 'DE-1', country: 'DE', levels: { A: 10 }, incoming: [{ sku: 'B', date: '2026-01-12', quantity: 4 }] },
        { warehouse: 'NL-1', country: 'NL', levels: { B: 4 }, incoming: [{ sku: 'A', date: '2026-01-15', quantity: 6 }, { sku: 'A', date: '2026-01-12', quantity: 4 }] },
      ];
      expect((await decide(later)).earliest).toEqual({ warehouse: 'DE-1', date: '2026-01-12' });
      // NL-1 gets its last 6 units on the 12th as well: same day, the shipping country wins
      later[1].incoming![0].date = '2026-01-12';
      expect((await decide(later)).earliest).toEqual({ warehouse: 'NL-1', date: '2026-01-12' });
      // a receipt dated in the past counts today; none that completes an order: no date
      expect((await decide([{ warehouse: 'DE-1', levels: { A: 10 }, incoming: [{ sku: 'B', date: '2026-01-01', quantity: 4 }] }])).earliest).toEqual({ warehouse: 'DE-1', date: '2026-01-10' });
      expect((await decide([{ warehouse: 'DE-1', levels: { A: 10 }, incoming: [{ sku: 'B', date: '2026-01-20', quantity: 3 }] }])).earliest).toBeUndefined();
    });

    it('names a warehouse per line, the shipping country first, splitting a line only when no warehouse has all of it', async () => {
      const lines = await decide([
        { warehouse: 'DE-1', country: 'DE', levels: { A: 50, B: 1 } },
        { warehouse: 'NL-1', country: 'NL', levels: { A: 10, B: 3 } },
        { warehouse: 'BE-1', country: 'BE', levels: { B: 2 } },
      ]);
      expect(lines.lines).toEqual([
        { sku: 'A', quantity: 10, warehouse: 'NL-1' },
        { sku: 'B', quantity: 3, warehouse: 'NL-1' },
        { sku: 'B', quantity: 1, warehouse: 'BE-1' },
      ]);
      expect((await decide([{ warehouse: 'DE-1', levels: { A: 10, B: 3 } }])).lines).toBeUndefined();
    });

    it('the shipped allocation set passes its test cases: back-order only when no receipt completes an order, split with a warehouse per line', async () => {
      const reference = runtime.compile(parseRuleSet(JSON.parse(fs.readFileSync(path.join(__dirname, '../../workflows/rules/allocation.rules.json'), 'utf8'))));
      const results = await runtime.runTestCases(reference);
      expect(results.filter((r) => !r.passed).map((r) => [r.name, r.mismatches, r.error])).toEqual([]);
      expect(results.find((r) => r.name.includes('receipts'))?.actual).toMatchObject({ decision: 'warehouse', strategy: 'RESTOCK', warehouse: 'DE-1', plannedShipDate: '2026-01-13', rules: ['restock'] });
    });
  });
});
