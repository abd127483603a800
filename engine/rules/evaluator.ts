/**
 * The RuleEvaluator port for business-rule tasks (and the evaluate API): resolves `key` (latest
 * published, looked up on every call so a flow picks up a new version at its next task, on any
 * node) or `key@N` (pinned), compiles each published version once (versions are immutable) and
 * evaluates with the explanation on.
 */
import { NotFoundError, ValidationError } from '../../workflows/model/errors';
import { RULE_SET_REF, type RuleSetDecision, type RuleSetDocument } from '../../workflows/model/rule-set';
import type { CallContext, RuleDecision, RuleEvaluator } from '../ports';
import type { CompiledRuleSet, RuleSetRuntime } from './runtime';

/** Read access to published versions (RuleSetStore implements it). */
export interface PublishedRuleSets {
  latestVersion(key: string): Promise<number | undefined>;
  load(key: string, version: number): Promise<RuleSetDocument | undefined>;
}

export function parseRuleSetRef(ref: string): { key: string; version?: number } {
  const m = RULE_SET_REF.exec(ref);
  if (!m) throw new ValidationError(`"${ref}" is not a rule-set reference`, [{ path: 'ruleSet', message: 'must be "key" or "key@version", e.g. order-review@3' }]);
  return { key: m[1], version: m[2] ? Number(m[2]) : undefined };
}

export interface OrdoRuleEvaluator extends RuleEvaluator {
  /** the compiled published version (latest when version is omitted) */
  compiled(key: string, version?: number): Promise<CompiledRuleSet>;
  evaluateVersion(key: string, version: number | undefined, order: unknown, options?: { facts?: Record<string, unknown>; explain?: boolean; ctx?: CallContext }): Promise<RuleSetDecision & { version: number }>;
}

export function createRuleEvaluator(deps: { published: PublishedRuleSets; runtime: RuleSetRuntime; cacheSize?: number }): OrdoRuleEvaluator {
  const { published, runtime } = deps;
  const cacheSize = deps.cacheSize ?? 200;
  const cache = new Map<string, Promise<CompiledRuleSet>>();

  async function compiled(key: string, version?: number): Promise<CompiledRuleSet> {
    const v = version ?? (await published.latestVersion(key));
    if (v === undefined) throw new NotFoundError(`Published rule set ${key}`);
    const id = `${key}@${v}`;
    let entry = cache.get(id);
    if (!entry) {
      entry = published.load(key, v).then((doc) => {
        if (!doc) throw new NotFoundError(`Rule set ${id}`);
        return runtime.compile(doc, v);
      });
      entry.catch(() => cache.delete(id));
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(id, entry);
    }
    return entry;
  }

  async function evaluateVersion(key: string, version: number | undefined, order: unknown, options: { facts?: Record<string, unknown>; explain?: boolean; ctx?: CallContext } = {}) {
    const c = await compiled(key, version);
    const decision = await runtime.evaluate(c, order, options);
    return { ...decision, version: c.version! };
  }

  return {
    compiled,
    evaluateVersion,
    async has(ref: string): Promise<boolean> {
      const m = RULE_SET_REF.exec(ref);
      if (!m) return false;
      const key = m[1];
      if (!m[2]) return (await published.latestVersion(key)) !== undefined;
      return (await published.load(key, Number(m[2]))) !== undefined;
    },
    async evaluate(ref: string, facts: Record<string, unknown>, ctx: CallContext): Promise<RuleDecision> {
      const { key, version } = parseRuleSetRef(ref);
      const d = await evaluateVersion(key, version, facts.order, { facts, explain: true, ctx });
      return { ruleSet: { key, version: d.version }, outcome: d.outcome, explanation: d.explanation };
    },
  };
}
