/**
 * Rule sets over real HTTP with the real database: reference sets on first start, draft → test →
 * publish → evaluate, refusals with rule and condition paths, backtests on stored orders, and 50
 * concurrent evaluations that all equal the sequential answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunningOrdo } from '../../server/main';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';

const reference = JSON.parse(fs.readFileSync(path.join(__dirname, '../../workflows/rules/order-review.rules.json'), 'utf8'));
const baseCase = reference.testCases[0];
/** fixed dynamic facts (no connectors in the test server), customer history stays live */
const FACTS = {
  today: '2026-01-10',
  customerCredit: { limit: 50000, balance: 10000, available: 40000, blocked: false, rating: 'A' },
  listPrices: { 'SKU-1': 110, 'SKU-2': 50 },
  inventory: baseCase.facts.inventory,
};
const orderWithTotal = (total: number, over: Record<string, unknown> = {}) => ({ ...baseCase.order, totals: { subtotal: total, shipping: 0, tax: 0, total }, ...over });
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('rule sets: versioned, tested, explained', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'rules' });
    admin = await adminClient(ordo);
  });
  afterAll(() => ordo.close());

  it('given a first start, then the reference rule sets are published as version 1', async () => {
    const list = await admin.get('/api/rule-sets');
    expect(list.status).toBe(200);
    const byKey = Object.fromEntries(list.body.map((s: { key: string }) => [s.key, s]));
    expect(byKey['order-review']).toMatchObject({ kind: 'review', latestVersion: 1, draftUnchanged: true });
    expect(byKey.allocation).toMatchObject({ kind: 'allocation', latestVersion: 1 });
    const cases = await admin.post('/api/rule-sets/allocation/test-cases/run', {});
    expect(cases.body).toMatchObject({ total: 9, passed: 9, failed: 0 });
  });

  it('serves the typed fact list and the operators that fit each type', async () => {
    const res = await admin.get('/api/rules/catalog');
    const facts = Object.fromEntries(res.body.facts.map((f: { id: string }) => [f.id, f]));
    expect(facts['order.shippingAddress.country']).toMatchObject({ fact: 'order', path: '$.shippingAddress.country', type: 'string' });
    expect(facts['order.priority']).toMatchObject({ type: 'enum', values: ['low', 'normal', 'high', 'urgent'] });
    expect(facts['order.lines[*].quantity']).toMatchObject({ type: 'number[]' });
    expect(facts.orderTotal).toMatchObject({ group: 'computed', type: 'number' });
    expect(facts.stock.params.warehouse.required).toBe(true);
    expect(facts.inventory).toBeUndefined(); // hidden building block
    const ops = Object.fromEntries(res.body.operators.map((o: { id: string; types: string[] }) => [o.id, o.types]));
    expect(ops.matches).toEqual(['string']);
    expect(ops.between).toEqual(['number', 'date']);
    expect(ops.contains).toEqual(expect.arrayContaining(['string', 'string[]']));
  });

  it('draft → test → publish → evaluate: version 2 decides differently, version 1 stays as it was', async () => {
    const before = await admin.get('/api/rule-sets/order-review');
    const draft = clone(before.body.draft.doc);
    const rule = draft.rules.find((r: { name: string }) => r.name === 'high-value-new-customer');
    rule.conditions.all[0].value = 1000;
    draft.testCases.push({ name: 'a new customer over 1,000 goes to review', order: orderWithTotal(1500), facts: { ...FACTS, customerHistory: { orderCount: 0, totalSpent: 0 } }, expect: { decision: 'manual', reason: 'HIGH_VALUE' } });

    const saved = await admin.put(`/api/rule-sets/order-review/draft?rev=${before.body.draft.rev}`, draft);
    expect(saved.status).toBe(200);
    expect(saved.body.rev).toBe(before.body.draft.rev + 1);
    expect(saved.body.facts).toEqual(expect.arrayContaining(['order', 'orderTotal', 'customerHistory']));
    // a stale revision loses
    expect((await admin.put(`/api/rule-sets/order-review/draft?rev=${before.body.draft.rev}`, draft)).status).toBe(409);

    const order = orderWithTotal(1500, { customer: { id: 'C-NEW', name: 'New Customer', email: 'new@shop.example' } });
    const tried = await admin.post('/api/rule-sets/order-review/test', { order, facts: FACTS });
    expect(tried.status).toBe(200);
    expect(tried.body.outcome).toMatchObject({ decision: 'manual', reason: 'HIGH_VALUE', orderTotal: 1500, rules: ['high-value-new-customer'] });
    const fired = tried.body.explanation.rules.find((r: { name: string }) => r.name === 'high-value-new-customer');
    expect(fired).toMatchObject({ matched: true, decisive: true });
    expect(fired.conditions.children[0]).toMatchObject({ type: 'condition', fact: 'orderTotal', operator: 'greaterThan', value: 1000, factResult: 1500, result: true });
    // the live customer history (no stored orders of C-NEW) says: 0 orders
    expect(fired.conditions.children[1].children[0]).toMatchObject({ fact: 'customerHistory', path: '$.orderCount', factResult: 0, result: true });
    expect(tried.body.explanation.rules.find((r: { name: string }) => r.name === 'embargo-country')).toMatchObject({ matched: false, decisive: false });

    const cases = await admin.post('/api/rule-sets/order-review/test-cases/run', {});
    expect(cases.body).toMatchObject({ total: 12, passed: 12, failed: 0 });

    const published = await admin.post('/api/rule-sets/order-review/publish', { note: 'review new customers from 1,000' });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ key: 'order-review', version: 2, testCases: 12 });
    const audit = await admin.get('/api/audit?action=ruleSet.publish');
    expect(audit.body.some((a: { target: { label: string } }) => a.target.label === 'order-review@2')).toBe(true);

    const latest = await admin.post('/api/rule-sets/order-review/evaluate', { order, facts: FACTS });
    expect(latest.body).toMatchObject({ ruleSet: { key: 'order-review', version: 2 }, outcome: { decision: 'manual', reason: 'HIGH_VALUE' } });
    const pinned = await admin.post('/api/rule-sets/order-review/evaluate', { order, facts: FACTS, version: 1 });
    expect(pinned.body).toMatchObject({ ruleSet: { version: 1 }, outcome: { decision: 'approve' } });

    const v1 = await admin.get('/api/rule-sets/order-review/versions/1');
    expect(v1.body.doc.rules.find((r: { name: string }) => r.name === 'high-value-new-customer').conditions.all[0].value).toBe(10000);
    // publishing the same content again is refused: versions are not duplicated
    expect((await admin.post('/api/rule-sets/order-review/publish', {})).status).toBe(409);
  });

  it('refuses to publish when a test case fails, names the case, and publishes nothing', async () => {
    const current = await admin.get('/api/rule-sets/allocation');
    const draft = clone(current.body.draft.doc);
    draft.testCases[0].expect.warehouse = 'NL-1';
    expect((await admin.put('/api/rule-sets/allocation/draft', draft)).status).toBe(200);
    const res = await admin.post('/api/rule-sets/allocation/publish', {});
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'testCases.0', message: expect.stringMatching(/warehouse expected "NL-1", got "DE-1"/) }]);
    expect(res.body.failures[0]).toMatchObject({ index: 0, passed: false, mismatches: ['warehouse'] });
    const after = await admin.get('/api/rule-sets/allocation');
    expect(after.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
  });

  describe('bad input is refused with the rule, the condition path and the reason', () => {
    const withRule = (conditions: unknown) => ({ ...clone(reference), key: 'bad-input', testCases: [], rules: [{ name: 'r1', priority: 10, conditions, event: { type: 'manual', params: {} } }] });
    const refused = async (doc: unknown) => {
      const res = await admin.post('/api/rule-sets', doc);
      expect(res.status).toBe(400);
      return res.body.errors as Array<{ path: string; message: string }>;
    };

    it('an unknown fact', async () => {
      const errors = await refused(withRule({ all: [{ fact: 'creditScore', operator: 'lessThan', value: 600 }] }));
      expect(errors).toEqual([{ path: 'rules.0.conditions.all.0.fact', message: 'rule "r1": unknown fact "creditScore"' }]);
    });

    it('an operator that does not fit the fact type, and a value that does not fit the operator', async () => {
      const errors = await refused(
        withRule({ any: [{ fact: 'orderTotal', operator: 'matches', value: '^1' }, { fact: 'order', path: '$.priority', operator: 'in', value: ['high', 'asap'] }] }),
      );
      expect(errors).toEqual([
        { path: 'rules.0.conditions.any.0.operator', message: 'rule "r1": operator "matches" does not fit the fact orderTotal, which is a number' },
        { path: 'rules.0.conditions.any.1.value.1', message: 'rule "r1": must be one of low, normal, high, urgent, got "asap"' },
      ]);
    });

    it('a path outside the fact’s type', async () => {
      const errors = await refused(withRule({ all: [{ fact: 'order', path: '$.customer.creditLimit', operator: 'greaterThan', value: 1 }] }));
      expect(errors[0]).toEqual({ path: 'rules.0.conditions.all.0.path', message: 'rule "r1": path $.customer.creditLimit of fact "order" has no field "creditLimit"' });
    });

    it('a regex that could backtrack catastrophically', async () => {
      const errors = await refused(withRule({ all: [{ not: { fact: 'order', path: '$.notes', operator: 'matches', value: '^(a+)+$' } }] }));
      expect(errors[0].path).toBe('rules.0.conditions.all.0.not.value');
      expect(errors[0].message).toMatch(/backtrack exponentially/);
    });

    it('nesting deeper than the limit', async () => {
      let c: unknown = { fact: 'orderTotal', operator: 'greaterThan', value: 1 };
      for (let i = 0; i < 9; i++) c = { all: [c] };
      const errors = await refused(withRule(c));
      expect(errors).toEqual([{ path: 'rules.0.conditions', message: 'groups nest deeper than 8 levels' }]);
    });

    it('invalid JSON and unknown fields', async () => {
      const bad = await admin.request('POST', '/api/rule-sets', '{"key":"x","rules":[{"name":');
      expect(bad.status).toBe(400);
      const errors = await refused({ ...withRule({ all: [{ fact: 'orderTotal', operator: 'greaterThan', value: 1 }] }), owner: 'me' });
      expect(errors[0].message).toMatch(/owner/);
      expect((await admin.get('/api/rule-sets/bad-input')).status).toBe(404);
    });

    it('inline validation lists the issues without saving', async () => {
      const res = await admin.post('/api/rule-sets/validate', withRule({ all: [{ fact: 'order', path: '$.lines[*].sku', operator: 'contains', value: 7 }] }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ valid: false, issues: [{ path: 'rules.0.conditions.all.0.value', message: 'rule "r1": must be text, got 7' }] });
    });
  });

  it('backtests a draft against the last N stored orders and lists the changed decisions', async () => {
    const totals = [500, 1500, 5000, 12000, 20000];
    const now = Date.now();
    await ordo.connection.collection('orders').insertMany(
      totals.map((total, i) => ({
        ...clone(baseCase.order),
        _id: `SO-2026-00010${i}`,
        number: `SO-2026-00010${i}`,
        totals: { subtotal: total, shipping: 0, tax: 0, total },
        customer: { id: `C-B${i}`, name: `Backtest ${i}`, email: `b${i}@shop.example` },
        statusSince: new Date(now),
        review: { hash: 'h' },
        flow: { status: 'started', attempts: 1 },
        events: [],
        receipt: '{}',
        createdBy: { kind: 'user', id: null, label: 'test' },
        createdAt: new Date(now - (totals.length - i) * 1000),
        updatedAt: new Date(now),
        version: 1,
      })) as never[],
    );
    // a rule set of its own: version 1 reviews new customers from 1,000
    const published = { ...clone(reference), key: 'backtest-review', testCases: [] };
    published.rules.find((r: { name: string }) => r.name === 'high-value-new-customer').conditions.all[0].value = 1000;
    expect((await admin.post('/api/rule-sets', published)).status).toBe(201);
    expect((await admin.post('/api/rule-sets/backtest-review/publish', {})).status).toBe(201);
    const draft = clone(published);
    draft.rules.find((r: { name: string }) => r.name === 'high-value-new-customer').conditions.all[0].value = 4000;
    // the unsaved draft is sent along: nothing is stored
    const res = await admin.post('/api/rule-sets/backtest-review/backtest', { ruleSet: draft, limit: 5, facts: FACTS });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 5, changed: 1, unchanged: 4, errors: 0, baselineVersion: 1 });
    const changed = res.body.orders.filter((o: { changed: boolean }) => o.changed);
    // the draft reviews new customers from 4,000: only the 1,500 order changes
    expect(changed).toEqual([{ id: 'SO-2026-000101', number: 'SO-2026-000101', changed: true, before: expect.objectContaining({ decision: 'manual', reason: 'HIGH_VALUE' }), after: expect.objectContaining({ decision: 'approve' }) }]);
    const samples = await admin.get('/api/rules/sample-orders?limit=2');
    expect(samples.body.map((s: { number: string }) => s.number)).toEqual(['SO-2026-000104', 'SO-2026-000103']);
  });

  it('50 concurrent evaluations all equal the sequential answers', async () => {
    const orders = Array.from({ length: 50 }, (_, i) =>
      orderWithTotal([300, 2500, 15000, 45000, 800][i % 5], { customer: { id: `C-P${i % 7}`, name: 'P', email: `p${i}@shop.example` }, requestedDeliveryDate: i % 9 === 0 ? '2026-01-01' : '2026-03-01' }),
    );
    const evaluate = (order: unknown) => admin.post('/api/rule-sets/order-review/evaluate', { order, facts: FACTS, explain: false });
    const sequential: Array<Record<string, unknown>> = [];
    for (const o of orders) sequential.push((await evaluate(o)).body.outcome);
    const concurrent = (await Promise.all(orders.map(evaluate))).map((r) => r.body.outcome);
    expect(new Set(sequential.map((o) => `${o.decision}:${o.reason}`)).size).toBeGreaterThanOrEqual(3);
    const mismatches = concurrent.filter((o, i) => JSON.stringify(o) !== JSON.stringify(sequential[i]));
    expect(mismatches).toEqual([]);
  });

  it('given no facts from the caller, then stock, credit and list prices come from the reference ERP through the connectors', async () => {
    const order = {
      ...baseCase.order,
      customer: { id: 'C-1001', name: 'Acme Retail', email: 'buyer@acme.example' },
      lines: [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 2, unitPrice: 89, unit: 'pcs', lineTotal: 178 }],
      totals: { subtotal: 178, shipping: 0, tax: 0, total: 178 },
      requestedDeliveryDate: undefined,
    };
    const res = await admin.post('/api/rule-sets/order-review/evaluate', { order });
    expect(res.status).toBe(200);
    expect(res.body.outcome.decision).toBe('approve');
    // the ERP knows neither SKU-1 nor customer C-1: the reference rules refuse to approve blindly
    const unknown = await admin.post('/api/rule-sets/order-review/evaluate', { order: baseCase.order });
    expect(unknown.status).toBe(200);
    expect(unknown.body.outcome.decision).not.toBe('approve');
  });

  it('given the reference ERP’s stock and expected receipts, then allocation plans the earliest day with stock, or a warehouse per line', async () => {
    const order = (lines: Array<[string, number]>) => ({
      ...baseCase.order,
      type: 'standard',
      priority: 'normal',
      customer: { id: 'C-1001', name: 'Acme Retail', email: 'buyer@acme.example' },
      lines: lines.map(([sku, quantity]) => ({ sku, name: sku, quantity, unitPrice: 1, unit: 'pcs', lineTotal: quantity })),
    });
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    // 18 rugs: WH-NORTH has none now and receives 20 in 5 days, WH-SOUTH has 15: no split, no back-order
    const later = await admin.post('/api/rule-sets/allocation/evaluate', { order: order([['RUG-WOOL', 18]]) });
    expect(later.body.outcome).toMatchObject({ decision: 'warehouse', strategy: 'RESTOCK', warehouse: 'WH-NORTH', plannedShipDate: inDays(5), rules: ['restock'] });
    // 100 chairs and 10 rugs: only WH-NORTH has the chairs, only WH-SOUTH the rugs
    const split = await admin.post('/api/rule-sets/allocation/evaluate', { order: order([['CHAIR-OAK', 100], ['RUG-WOOL', 10]]) });
    expect(split.body.outcome).toMatchObject({
      decision: 'split',
      strategy: 'SPLIT',
      plannedShipDate: inDays(0),
      lines: [
        { sku: 'CHAIR-OAK', quantity: 100, warehouse: 'WH-NORTH' },
        { sku: 'RUG-WOOL', quantity: 10, warehouse: 'WH-SOUTH' },
      ],
    });
  });

  it('guards every route by permission: a viewer reads but cannot edit, an API key evaluates within its scope', async () => {
    await admin.post('/api/users', { email: 'viewer-rules@test.local', name: 'V', role: 'viewer', password: 'viewer-password-1' });
    const viewer = await new ApiClient(ordo.url).login('viewer-rules@test.local', 'viewer-password-1');
    expect((await viewer.get('/api/rule-sets')).status).toBe(200);
    expect((await viewer.put('/api/rule-sets/allocation/draft', reference)).status).toBe(403);
    expect((await viewer.post('/api/rule-sets/allocation/publish', {})).status).toBe(403);
    expect((await viewer.post('/api/rule-sets/allocation/evaluate', { order: baseCase.order })).status).toBe(403);
    const key = await admin.post('/api/api-keys', { name: 'erp-rules', scopes: ['rules.evaluate'] });
    const system = new ApiClient(ordo.url, key.body.key);
    const res = await system.post('/api/rule-sets/allocation/evaluate', { order: baseCase.order, facts: { today: '2026-01-10', inventory: FACTS.inventory } });
    expect(res.status).toBe(200);
    expect(res.body.outcome).toMatchObject({ decision: 'warehouse', warehouse: 'DE-1', plannedShipDate: '2026-01-10' });
    expect((await system.get('/api/rule-sets')).status).toBe(403);
  });
});
