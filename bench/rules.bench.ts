/**
 * Rules: a 20-rule set against a 10-line order.
 *  - Ordo (RuleSetRuntime: pooled engines, compiled path resolver, decision + resolved parameters)
 *    next to raw json-rules-engine (one reused Engine, JSONPath, same rules and fact functions) in
 *    the same run, interleaved in rounds so background load hits both alike;
 *  - Ordo with the explanation on;
 *  - an async stock fact answering after 1 ms: sequential, and 50 evaluations in flight (each
 *    concurrent answer compared with the sequential one: the mismatch count must be 0). Raw
 *    json-rules-engine sharing one Engine between the same 50 runs is shown for contrast (#303).
 * Last stdout line: JSON with ordo_per_s, raw_per_s, vs_raw and the other figures.
 */
import { Engine, type RuleResult } from 'json-rules-engine';
import type { RuleSetDocumentInput } from '../workflows/model/rule-set';
import { CONTEXT_FACT, registerFacts, type FactSources, type WarehouseStock } from '../engine/rules/facts';
import { OPERATOR_FUNCTIONS } from '../engine/rules/operators';
import { RuleSetRuntime, type CompiledRuleSet } from '../engine/rules/runtime';
import { parseRuleSet } from '../engine/rules/validate';

const ROUND_MS = Number(process.env.RULES_BENCH_ROUND_MS ?? 1200);
const ROUNDS = Number(process.env.RULES_BENCH_ROUNDS ?? 3);

const c = (fact: string, operator: string, value: unknown, extra: Record<string, unknown> = {}) => ({ fact, operator, value, ...extra });
const at = (path: string, operator: string, value: unknown) => c('order', operator, value, { path });
const rule = (name: string, priority: number, conditions: unknown, type: string, params: Record<string, unknown> = {}) => ({ name, priority, conditions, event: { type, params } });

const RULES = [
  rule('embargo', 200, { all: [at('$.shippingAddress.country', 'in', ['KP', 'IR', 'SY', 'CU'])] }, 'reject', { reason: 'EMBARGO' }),
  rule('blocked', 190, { all: [c('customerCredit', 'equal', true, { path: '$.blocked' })] }, 'reject', { reason: 'BLOCKED' }),
  rule('credit', 180, { all: [c('orderTotal', 'percentageOf', { percent: 100, of: { fact: 'customerCredit', path: '$.available' }, comparison: 'gt' })] }, 'manual', { reason: 'CREDIT' }),
  rule('high-value', 170, { all: [c('orderTotal', 'greaterThan', 10000), { any: [c('customerCredit', 'notIn', ['A', 'AA'], { path: '$.rating' }), c('lineCount', 'greaterThan', 8)] }] }, 'manual', { reason: 'HIGH_VALUE', total: { fact: 'orderTotal' } }),
  rule('quantity-limit', 160, { all: [c('maxLineQuantity', 'greaterThan', 500)] }, 'manual', { reason: 'QUANTITY' }),
  rule('bulk', 150, { all: [c('totalQuantity', 'greaterThan', 200)] }, 'flag', { flag: 'BULK' }),
  rule('freight', 140, { all: [c('totalQuantity', 'between', [100, 10000])] }, 'flag', { flag: 'FREIGHT' }),
  rule('date-past', 130, { all: [c('daysUntilRequestedDate', 'lessThan', 0)] }, 'manual', { reason: 'DATE_PAST' }),
  rule('express-priority', 120, { all: [at('$.type', 'equal', 'express'), at('$.priority', 'in', ['high', 'urgent'])] }, 'flag', { flag: 'EXPRESS' }),
  rule('wholesale-minimum', 115, { all: [at('$.type', 'equal', 'wholesale'), c('orderTotal', 'lessThan', 500)] }, 'reject', { reason: 'MINIMUM' }),
  rule('email-notes', 110, { all: [at('$.channel', 'equal', 'email'), at('$.notes', 'exists', true)] }, 'flag', { flag: 'READ_NOTES' }),
  rule('hazmat', 105, { all: [at('$.lines[*].sku', 'contains', 'SKU-HAZ')] }, 'hold', { reason: 'HAZMAT' }),
  rule('foreign-currency', 100, { all: [at('$.currency', 'notEqual', 'EUR')] }, 'flag', { flag: 'FX' }),
  rule('big-basket', 95, { all: [c('lineCount', 'greaterThanInclusive', 10)] }, 'flag', { flag: 'BIG_BASKET' }),
  rule('key-account', 90, { all: [at('$.customer.company', 'startsWith', 'ACME')] }, 'flag', { flag: 'KEY_ACCOUNT' }),
  rule('eu-home', 50, { all: [at('$.shippingAddress.country', 'in', ['DE', 'AT', 'NL', 'BE', 'FR']), c('warehouseCovers', 'equal', true, { params: { warehouse: 'W1' } })] }, 'allocate', { warehouse: 'W1' }),
  rule('nearest', 40, { all: [c('fulfillableWarehouses', 'greaterThan', 0, { path: '$.length' })] }, 'allocate', { warehouse: { fact: 'fulfillableWarehouses', path: '$[0]' } }),
  rule('split', 30, { all: [c('shortSkus', 'equal', 0, { path: '$.length' })] }, 'split', { strategy: 'SPLIT' }),
  rule('soon', 25, { all: [c('daysUntilRequestedDate', 'between', [0, 2])] }, 'flag', { flag: 'SOON' }),
  rule('notes-urgent', 20, { all: [at('$.notes', 'matches', '(?i)asap|urgent')] }, 'flag', { flag: 'URGENT_NOTE' }),
];

const DOC = {
  key: 'bench-twenty',
  name: 'Bench: 20 rules',
  kind: 'review',
  hitPolicy: 'collect',
  rules: RULES,
  defaultOutcome: { type: 'approve', params: {} },
} as unknown as RuleSetDocumentInput;

function makeOrder(i: number) {
  const lines = Array.from({ length: 10 }, (_, n) => {
    const quantity = 5 + ((i * 7 + n * 3) % 40);
    const unitPrice = 10 + ((i + n) % 9) * 12.5;
    return { sku: `SKU-${100 + ((i + n) % 14)}`, name: `Article ${n}`, quantity, unitPrice, unit: 'pcs', lineTotal: quantity * unitPrice };
  });
  const total = lines.reduce((s, l) => s + l.lineTotal, 0);
  return {
    id: `o-${i}`,
    number: `SO-2026-${String(i).padStart(6, '0')}`,
    channel: i % 3 === 0 ? 'email' : 'api',
    customer: { id: `C-${i % 5}`, name: 'Customer', company: i % 2 ? 'ACME Corp' : 'Other' },
    shippingAddress: { line1: 'x', city: 'y', postcode: '1', country: ['DE', 'US', 'NL', 'IR', 'FR'][i % 5] },
    lines,
    currency: i % 4 === 0 ? 'USD' : 'EUR',
    totals: { subtotal: total, shipping: 0, tax: 0, total },
    priority: ['normal', 'high', 'urgent', 'low'][i % 4],
    type: ['standard', 'express', 'wholesale', 'standard'][i % 4],
    requestedDeliveryDate: `2026-01-${String(8 + (i % 6)).padStart(2, '0')}`,
    notes: i % 2 ? 'please ship ASAP' : undefined,
    attachments: [],
    status: 'received',
  };
}

function stockFor(skus: string[]): WarehouseStock[] {
  const lv = (w: number) => Object.fromEntries(skus.map((s) => [s, (Number(s.slice(4)) * (w + 3)) % 60]));
  return [
    { warehouse: 'W1', country: 'DE', levels: lv(0) },
    { warehouse: 'W2', country: 'NL', levels: lv(1) },
    { warehouse: 'W3', country: 'US', levels: lv(2) },
  ];
}

const FIXED = { today: '2026-01-10', customerCredit: { limit: 50000, balance: 20000, available: 30000, blocked: false, rating: 'A' } };
const orders = Array.from({ length: 50 }, (_, i) => makeOrder(i));
const sleep1 = <T>(v: T) => new Promise<T>((resolve) => setTimeout(() => resolve(v), 1));

function rawEngine(compiled: CompiledRuleSet, sources: FactSources): Engine {
  const engine = new Engine(compiled.engineRules, {});
  const builtIn = new Set(['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
  for (const [name, fn] of Object.entries(OPERATOR_FUNCTIONS)) if (!builtIn.has(name)) engine.addOperator(name, fn);
  registerFacts(engine, { sources, timeoutMs: 2000 });
  return engine;
}
const rawFired = (r: { results: RuleResult[] }) => r.results.map((x) => x.name).sort();

/** evaluations per second of `fn` over ROUND_MS, `inFlight` at a time */
async function rate(fn: (i: number) => Promise<unknown>, inFlight = 1): Promise<number> {
  const end = performance.now() + ROUND_MS;
  const start = performance.now();
  let n = 0;
  while (performance.now() < end) {
    if (inFlight === 1) await fn(n++);
    else {
      await Promise.all(Array.from({ length: inFlight }, (_, k) => fn(n + k)));
      n += inFlight;
    }
  }
  return n / ((performance.now() - start) / 1000);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const inMemory = new RuleSetRuntime();
  const asyncSources: FactSources = { stockLevels: (skus) => sleep1(stockFor(skus)) };
  const asyncRuntime = new RuleSetRuntime({ sources: asyncSources });
  const doc = parseRuleSet(DOC);
  const ordo = inMemory.compile(doc);
  const ordoAsync = asyncRuntime.compile(doc);
  const raw = rawEngine(ordo, {});
  const rawAsync = rawEngine(ordo, asyncSources);
  const order = orders[1]; // 10 lines, several rules fire
  const memFacts = (o: (typeof orders)[number]) => ({ ...FIXED, inventory: stockFor(o.lines.map((l) => l.sku)) });

  // same answers first: the rules fired by Ordo and by raw json-rules-engine
  let agree = 0;
  for (const o of orders) {
    const a = (await inMemory.evaluate(ordo, o, { facts: memFacts(o) })).outcome.rules.slice().sort();
    const b = rawFired(await raw.run({ order: o, ...memFacts(o), [CONTEXT_FACT]: null }));
    if (JSON.stringify(a) === JSON.stringify(b)) agree++;
  }
  const fired = (await inMemory.evaluate(ordo, order, { facts: memFacts(order) })).outcome.rules.length;

  const warm = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await inMemory.evaluate(ordo, order, { facts: memFacts(order), explain: i % 2 === 0 });
      await raw.run({ order, ...memFacts(order), [CONTEXT_FACT]: null });
    }
  };
  await warm(300);

  const facts = memFacts(order);
  const series: Record<string, number[]> = { ordo: [], raw: [], explain: [], asyncOrdo: [], asyncRaw: [], concurrent: [] };
  for (let r = 0; r < ROUNDS; r++) {
    series.raw.push(await rate(() => raw.run({ order, ...facts, [CONTEXT_FACT]: null })));
    series.ordo.push(await rate(() => inMemory.evaluate(ordo, order, { facts })));
    series.explain.push(await rate(() => inMemory.evaluate(ordo, order, { facts, explain: true })));
    series.asyncRaw.push(await rate(() => rawAsync.run({ order, ...FIXED, [CONTEXT_FACT]: null })));
    series.asyncOrdo.push(await rate(() => asyncRuntime.evaluate(ordoAsync, order, { facts: FIXED })));
    series.concurrent.push(await rate((i) => asyncRuntime.evaluate(ordoAsync, orders[i % 50], { facts: FIXED }), 50));
  }

  // 50 in flight vs one at a time, async stock fact, explanation on
  const sequential: string[] = [];
  for (const o of orders) sequential.push(JSON.stringify(await asyncRuntime.evaluate(ordoAsync, o, { facts: FIXED, explain: true })));
  const concurrent = await Promise.all(orders.map(async (o) => JSON.stringify(await asyncRuntime.evaluate(ordoAsync, o, { facts: FIXED, explain: true }))));
  const mismatches = concurrent.filter((d, i) => d !== sequential[i]).length;
  const rawSequential: string[] = [];
  for (const o of orders) rawSequential.push(JSON.stringify(rawFired(await rawAsync.run({ order: o, ...FIXED, [CONTEXT_FACT]: null }))));
  const rawConcurrent = await Promise.all(orders.map(async (o) => JSON.stringify(rawFired(await rawAsync.run({ order: o, ...FIXED, [CONTEXT_FACT]: null })))));
  const rawMismatches = rawConcurrent.filter((d, i) => d !== rawSequential[i]).length;

  const m = Object.fromEntries(Object.entries(series).map(([k, v]) => [k, Math.round(median(v))]));
  const vsRaw = Math.round((m.ordo / m.raw) * 100) / 100;
  const rows: Array<[string, string, string]> = [
    ['in-memory facts, engine reused', `${m.ordo}`, `${m.raw}`],
    ['  with explanation (Ordo)', `${m.explain}`, ''],
    ['async stock fact 1 ms, sequential', `${m.asyncOrdo}`, `${m.asyncRaw}`],
    ['async 1 ms, 50 in flight (Ordo pool)', `${m.concurrent}`, ''],
  ];
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`20 rules (hit policy collect), 10-line order, ${fired} rules fire; ${ROUNDS} rounds × ${ROUND_MS} ms, median`);
  out(`Ordo and raw json-rules-engine fire the same rules on ${agree}/${orders.length} orders`);
  out('');
  out(`${'mode'.padEnd(40)} ${'Ordo eval/s'.padStart(12)} ${'raw eval/s'.padStart(12)}`);
  for (const [a, b, c2] of rows) out(`${a.padEnd(40)} ${b.padStart(12)} ${c2.padStart(12)}`);
  out('');
  out(`50 concurrent evaluations (async 1 ms stock, explanation on) vs sequential: ${mismatches} mismatches`);
  out(`raw json-rules-engine, one Engine shared by the same 50 runs: ${rawMismatches} mismatches (upstream #303)`);
  out(`vs_raw = ${m.ordo} / ${m.raw} = ${vsRaw}`);
  out(
    JSON.stringify({
      bench: 'rules',
      ordo_per_s: m.ordo,
      raw_per_s: m.raw,
      vs_raw: vsRaw,
      ordo_explain_per_s: m.explain,
      async_ordo_per_s: m.asyncOrdo,
      async_raw_per_s: m.asyncRaw,
      concurrent50_ordo_per_s: m.concurrent,
      concurrent50_mismatches: mismatches,
      raw_shared_engine_concurrent50_mismatches: rawMismatches,
      same_rules_fired: `${agree}/${orders.length}`,
    }),
  );
  if (mismatches !== 0 || agree !== orders.length) process.exitCode = 1;
}

void main();
