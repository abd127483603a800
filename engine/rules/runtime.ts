/**
 * Compiles rule-set documents into json-rules-engine rules and evaluates them.
 *
 * One json-rules-engine Engine must never serve two run() calls at once: `engine.status` belongs
 * to the instance, so a finishing run makes the others skip their remaining priority levels
 * (upstream #303; 49 of 50 concurrent decisions were wrong in our study). Each compiled rule set
 * therefore keeps a pool of idle engines: a run takes one (or builds one, ~0.2 ms) and gives it
 * back when it is done, so an engine only ever has one run in flight.
 */
import { isDeepStrictEqual } from 'node:util';
import { Engine, type Almanac, type RuleProperties, type RuleResult } from 'json-rules-engine';
import { UnprocessableError, ValidationError } from '../../workflows/model/errors';
import type {
  BacktestResult,
  Condition,
  ExplanationNode,
  RecordedDecision,
  RuleExplanation,
  RuleOutcome,
  RuleSetDecision,
  RuleSetDocument,
  TestCaseResult,
} from '../../workflows/model/rule-set';
import type { CallContext } from '../ports';
import { CONTEXT_FACT, FACT_REGISTRY, PERCENT_FACT, registerFacts, type FactEnvironment, type FactSources } from './facts';
import { OPERATOR_FUNCTIONS } from './operators';
import { resolvePath } from './path';

export type { BacktestResult };

export interface CompiledRuleSet {
  readonly key: string;
  readonly version: number | null;
  readonly doc: RuleSetDocument;
  /** enabled rules, by priority (highest first), then document order */
  readonly rules: ReadonlyArray<{ name: string; priority: number; index: number; event: RuleOutcome; conditions: Condition }>;
  readonly engineRules: RuleProperties[];
  /** idle engines: each is used by at most one run at a time */
  readonly pool: Engine[];
}

export interface EvaluateOptions {
  /** fixed fact values that win over computed and dynamic facts */
  facts?: Record<string, unknown>;
  explain?: boolean;
  ctx?: CallContext;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function compileCondition(c: Condition): Record<string, unknown> {
  if ('all' in c) return { all: c.all.map(compileCondition) };
  if ('any' in c) return { any: c.any.map(compileCondition) };
  if ('not' in c) return { not: compileCondition(c.not) };
  const out: Record<string, unknown> = { fact: c.fact, operator: c.operator, value: c.value };
  if (c.path) out.path = c.path;
  if (c.params) out.params = c.params;
  if (c.operator === 'percentageOf' && isRecord(c.value)) {
    out.value = { fact: PERCENT_FACT, params: { percent: c.value.percent, comparison: c.value.comparison ?? 'gt', of: c.value.of } };
  }
  return out;
}

/** Only the facts of the registry may be fixed by a caller (a flow passes all its variables). */
function pickFactOverrides(facts: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!facts) return out;
  for (const [k, v] of Object.entries(facts)) if (k !== 'order' && FACT_REGISTRY.has(k) && v !== undefined) out[k] = v;
  return out;
}

export class RuleSetRuntime {
  private readonly env: FactEnvironment;
  private readonly maxPool: number;

  constructor(options: { sources?: FactSources; factTimeoutMs?: number; maxIdleEngines?: number } = {}) {
    this.env = { sources: options.sources ?? {}, timeoutMs: options.factTimeoutMs ?? 2000 };
    this.maxPool = options.maxIdleEngines ?? 64;
  }

  compile(doc: RuleSetDocument, version: number | null = null): CompiledRuleSet {
    const rules = doc.rules
      .map((r, index) => ({ name: r.name, priority: r.priority, index, event: r.event, conditions: r.conditions as Condition, enabled: r.enabled !== false }))
      .filter((r) => r.enabled)
      .sort((a, b) => b.priority - a.priority || a.index - b.index)
      .map(({ enabled: _enabled, ...r }) => r);
    const engineRules = rules.map((r) => ({ name: r.name, priority: r.priority, conditions: compileCondition(r.conditions) as unknown as RuleProperties['conditions'], event: { type: r.event.type } }));
    const compiled: CompiledRuleSet = { key: doc.key, version, doc, rules, engineRules, pool: [] };
    compiled.pool.push(this.buildEngine(compiled)); // fail now, not at the first evaluation
    return compiled;
  }

  private buildEngine(compiled: CompiledRuleSet): Engine {
    const engine = new Engine([], { allowUndefinedFacts: false, pathResolver: resolvePath });
    for (const [name, fn] of Object.entries(OPERATOR_FUNCTIONS)) engine.addOperator(name, fn);
    registerFacts(engine, this.env);
    for (const rule of compiled.engineRules) engine.addRule(rule);
    return engine;
  }

  async evaluate(compiled: CompiledRuleSet, order: unknown, options: EvaluateOptions = {}): Promise<RuleSetDecision> {
    if (!isRecord(order)) throw new ValidationError('The order is missing', [{ path: 'order', message: 'must be an order object' }]);
    const engine = compiled.pool.pop() ?? this.buildEngine(compiled);
    let run: Awaited<ReturnType<Engine['run']>>;
    try {
      run = await engine.run({ ...pickFactOverrides(options.facts), order, [CONTEXT_FACT]: options.ctx ?? null });
    } finally {
      if (compiled.pool.length < this.maxPool) compiled.pool.push(engine);
    }
    return this.decide(compiled, run.results, run.failureResults, run.almanac, options.explain === true);
  }

  private async decide(compiled: CompiledRuleSet, results: RuleResult[], failures: RuleResult[], almanac: Almanac, explain: boolean): Promise<RuleSetDecision> {
    const { doc } = compiled;
    const byName = new Map(compiled.rules.map((r, rank) => [r.name, { ...r, rank }]));
    const matched = results.map((r) => byName.get(r.name)!).sort((a, b) => a.rank - b.rank);
    if (doc.hitPolicy === 'unique' && matched.length > 1) {
      throw new UnprocessableError(`Hit policy "unique": ${matched.length} rules matched (${matched.map((m) => m.name).join(', ')})`, undefined, { rules: matched.map((m) => m.name) });
    }
    const decisive = doc.hitPolicy === 'collect' ? matched : matched.slice(0, 1);
    const resolved = await Promise.all(decisive.map((m) => this.resolveParams(m.event.params, almanac)));
    let outcome: RuleSetDecision['outcome'];
    if (decisive.length === 0) {
      outcome = { decision: doc.defaultOutcome.type, ...doc.defaultOutcome.params, rules: [] };
    } else {
      outcome = { decision: decisive[0].event.type, ...resolved[0], rules: decisive.map((m) => m.name) };
      if (doc.hitPolicy === 'collect') outcome.results = decisive.map((m, i) => ({ decision: m.event.type, rule: m.name, ...resolved[i] }));
    }
    const decision: RuleSetDecision = { outcome, usedDefault: decisive.length === 0 };
    if (explain) {
      const decisiveNames = new Set(decisive.map((m) => m.name));
      const all = [...results, ...failures].map((r) => ({ r, meta: byName.get(r.name)! })).sort((a, b) => a.meta.rank - b.meta.rank);
      decision.explanation = {
        hitPolicy: doc.hitPolicy,
        usedDefault: decision.usedDefault,
        rules: all.map(
          ({ r, meta }): RuleExplanation => ({
            name: meta.name,
            priority: meta.priority,
            matched: r.result === true,
            decisive: decisiveNames.has(meta.name),
            event: meta.event,
            // json-rules-engine does not set `result` on the root group; the rule's result is it
            conditions: { ...explainNode(r.conditions as unknown as Record<string, any>, meta.conditions), result: r.result === true },
          }),
        ),
      };
    }
    return decision;
  }

  private async resolveParams(params: Record<string, unknown>, almanac: Almanac): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) {
      out[k] = isRecord(v) && typeof v.fact === 'string' ? await almanac.factValue(v.fact, (v.params as Record<string, unknown>) ?? {}, (v.path as string) ?? '') : v;
    }
    return out;
  }

  /** Runs every test case (concurrently: the pool keeps each run on its own engine). */
  async runTestCases(compiled: CompiledRuleSet, options: { explain?: boolean; ctx?: CallContext } = {}): Promise<TestCaseResult[]> {
    return Promise.all(
      compiled.doc.testCases.map(async (tc, index): Promise<TestCaseResult> => {
        try {
          const decision = await this.evaluate(compiled, tc.order, { facts: tc.facts, explain: options.explain, ctx: options.ctx });
          const mismatches = Object.keys(tc.expect).filter((k) => !isDeepStrictEqual(decision.outcome[k], tc.expect[k]));
          return { index, name: tc.name, passed: mismatches.length === 0, expected: tc.expect, actual: decision.outcome, mismatches, explanation: decision.explanation };
        } catch (err) {
          return { index, name: tc.name, passed: false, expected: tc.expect, mismatches: [], error: (err as Error).message };
        }
      }),
    );
  }

  /** Evaluates a candidate and the published baseline on the same orders and lists what would change. */
  async backtest(
    candidate: CompiledRuleSet,
    baseline: CompiledRuleSet | undefined,
    orders: ReadonlyArray<Record<string, unknown>>,
    /** `recorded`: the decision of this rule set the order's flow took, when it took one */
    options: { facts?: Record<string, unknown>; ctx?: CallContext; recorded?: (order: Record<string, unknown>) => Promise<RecordedDecision | undefined> } = {},
  ): Promise<BacktestResult> {
    const rows: BacktestResult['orders'] = await Promise.all(
      orders.map(async (order) => {
        const id = String(order.id ?? order._id ?? '');
        const number = typeof order.number === 'string' ? order.number : undefined;
        try {
          const after = comparable((await this.evaluate(candidate, order, { facts: options.facts, ctx: options.ctx })).outcome);
          const before = baseline ? comparable((await this.evaluate(baseline, order, { facts: options.facts, ctx: options.ctx })).outcome) : null;
          const taken = await options.recorded?.(order);
          const recorded = taken ? { ...taken, outcome: comparable(taken.outcome as RuleSetDecision['outcome']) } : undefined;
          return { id, number, changed: !isDeepStrictEqual(before, after), before, after, ...(recorded ? { recorded } : {}) };
        } catch (err) {
          return { id, number, changed: false, error: (err as Error).message };
        }
      }),
    );
    const errors = rows.filter((r) => r.error).length;
    const changed = rows.filter((r) => r.changed).length;
    const differFromRecorded = rows.filter((r) => r.recorded && !isDeepStrictEqual(r.recorded.outcome, r.after)).length;
    return { total: rows.length, changed, unchanged: rows.length - changed - errors, errors, baselineVersion: baseline?.version ?? null, differFromRecorded, orders: rows };
  }
}

/** The outcome without the names of the rules that produced it: a renamed rule is not a changed decision. */
function comparable(outcome: RuleSetDecision['outcome']): Record<string, unknown> {
  const { rules: _rules, results, ...rest } = outcome;
  return results ? { ...rest, results: results.map(({ rule: _rule, ...r }) => r) } : rest;
}

function plain(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** Walks json-rules-engine's condition result next to the condition as written. */
function explainNode(result: Record<string, any>, written: Condition): ExplanationNode {
  const outcome = typeof result.result === 'boolean' ? result.result : null;
  if ('all' in written) return { type: 'all', result: outcome, children: written.all.map((c, i) => explainNode(result.all[i], c)) };
  if ('any' in written) return { type: 'any', result: outcome, children: written.any.map((c, i) => explainNode(result.any[i], c)) };
  if ('not' in written) return { type: 'not', result: outcome, children: [explainNode(result.not, written.not)] };
  const node: ExplanationNode = { type: 'condition', result: outcome, fact: written.fact, operator: written.operator, value: written.value };
  if (written.path) node.path = written.path;
  if (written.params) node.params = written.params;
  if (outcome !== null) {
    node.factResult = plain(result.factResult);
    const v = result.valueResult;
    node.valueResult = written.operator === 'percentageOf' && isRecord(v) && typeof v.base === 'number' ? { ...v, threshold: (v.base * (v.percent as number)) / 100 } : plain(v);
  }
  return node;
}
