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
});
