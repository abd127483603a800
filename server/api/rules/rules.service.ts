/**
 * Rule sets as a use case: drafts, validation, the test panel (one order, all test cases,
 * backtest), publishing (tests must pass; four-eyes when enabled; audited) and evaluation of
 * published versions. Evaluation itself lives in engine/rules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError, type FieldIssue } from '../../../workflows/model/errors';
import { toFieldIssues } from '../../../workflows/model/zod-issues';
import { ruleSetDocumentSchema, type RecordedDecision, type RuleSetDocument, type TestCaseResult } from '../../../workflows/model/rule-set';
import {
  FACT_REGISTRY,
  OPERATOR_SPECS,
  RuleSetRuntime,
  checkRuleSet,
  factCatalog,
  hashRuleSet,
  parseRuleSet,
  type CompiledRuleSet,
  type OrdoRuleEvaluator,
  type RuleSetStore,
} from '../../../engine/rules';
import { actorOf, type Principal } from '../../auth/principal';
import type { AuditService } from '../../audit/audit.service';
import type { ApprovalService } from '../../approvals/approval.service';
import type { Logger } from '../../infra/logger';

/** Reads the most recent stored orders (newest first) for backtests and the sample picker. */
export interface RecentOrders {
  recentOrders(limit: number): Promise<Array<Record<string, unknown>>>;
}

export interface RulesServiceDeps {
  store: RuleSetStore;
  runtime: RuleSetRuntime;
  evaluator: OrdoRuleEvaluator;
  audit: AuditService;
  approvals?: ApprovalService;
  orders: RecentOrders;
  logger: Logger;
}

const TYPE_NAMES = ['number', 'string', 'boolean', 'date', 'enum', 'number[]', 'string[]', 'boolean[]', 'date[]', 'enum[]', 'object'] as const;

function leafOfName(name: (typeof TYPE_NAMES)[number]) {
  if (name === 'object') return { kind: 'object' as const };
  if (name.endsWith('[]')) return { kind: 'array' as const, of: name.slice(0, -2) as 'number' };
  return { kind: name as 'number' };
}

function describeFailure(r: TestCaseResult): string {
  if (r.error) return `test case "${r.name}" failed with: ${r.error}`;
  const diffs = r.mismatches.map((k) => `${k} expected ${JSON.stringify(r.expected[k])}, got ${JSON.stringify(r.actual?.[k])}`);
  return `test case "${r.name}": ${diffs.join('; ')}`;
}

/** An instance's history entries (the workflow runtime's getHistory). */
export type InstanceHistory = (instanceId: string) => Promise<Array<{ at: string; type: string; data: unknown }>>;

export class RulesService {
  private history?: InstanceHistory;
  constructor(private readonly deps: RulesServiceDeps) {}

  /** Backtests also show the decision each order's flow took (wired once the workflow runtime exists). */
  useInstanceHistory(history: InstanceHistory): void {
    this.history = history;
  }

  /** The last decision of rule set `key` in the order's flow, as it was taken. */
  private async recordedDecision(key: string, order: Record<string, unknown>): Promise<RecordedDecision | undefined> {
    const instanceId = (order.flow as { instanceId?: unknown } | undefined)?.instanceId;
    if (!this.history || typeof instanceId !== 'string') return undefined;
    const entries = await this.history(instanceId).catch(() => []);
    const taken = entries.filter((e) => e.type === 'decision' && (e.data as { ruleSet?: { key?: string } } | null)?.ruleSet?.key === key).at(-1);
    if (!taken) return undefined;
    const data = taken.data as { ruleSet: { version: number }; outcome: Record<string, unknown> };
    return { version: data.ruleSet.version, at: taken.at, outcome: data.outcome };
  }

  /** The fact picker's list and the operators per type, for the rule builder. */
  catalog() {
    return {
      facts: factCatalog(),
      operators: Object.entries(OPERATOR_SPECS).map(([id, spec]) => ({ id, label: spec.label, value: spec.value, types: TYPE_NAMES.filter((t) => spec.fits(leafOfName(t))) })),
    };
  }

  list() {
    return this.deps.store.list();
  }

  async get(key: string) {
    const { store } = this.deps;
    const [draft, versions] = await Promise.all([store.draft(key), store.versions(key)]);
    if (!draft && versions.length === 0) throw new NotFoundError(`Rule set ${key}`);
    const latest = versions[0] ? { version: versions[0].version, hash: versions[0].hash, doc: (await store.load(key, versions[0].version))! } : null;
    return { key, draft: draft ?? null, latest, versions, draftUnchanged: Boolean(draft && latest && draft.hash === latest.hash) };
  }

  async getVersion(key: string, version: number) {
    const doc = await this.deps.store.load(key, version);
    if (!doc) throw new NotFoundError(`Rule set ${key}@${version}`);
    return { key, version, doc };
  }

  /** Semantic checks (the contract was checked by the route); throws 400 naming rule, condition path and reason. */
  private checked(doc: RuleSetDocument, key?: string): RuleSetDocument {
    if (key !== undefined && doc.key !== key) throw new ValidationError('The rule set is invalid', [{ path: 'key', message: `must be ${key} (the key in the URL)` }]);
    const { issues, facts } = checkRuleSet(doc);
    if (issues.length) throw new ValidationError('The rule set is invalid', issues);
    return { ...doc, facts };
  }

  /** Inline validation for the editor: never throws for a bad document, lists the issues. */
  validate(input: unknown): { valid: boolean; issues: FieldIssue[]; facts: string[] } {
    const parsed = ruleSetDocumentSchema.safeParse(input);
    if (!parsed.success) return { valid: false, issues: toFieldIssues(parsed.error.issues), facts: [] };
    const { issues, facts } = checkRuleSet(parsed.data);
    return { valid: issues.length === 0, issues, facts };
  }

  async create(principal: Principal, input: RuleSetDocument) {
    const doc = this.checked(input);
    const saved = await this.deps.store.createDraft(doc, actorOf(principal).label);
    await this.deps.audit.record({ principal, action: 'ruleSet.create', target: { type: 'ruleSet', id: doc.key, label: doc.name }, after: { hash: saved.hash } });
    return { key: doc.key, ...saved, facts: doc.facts };
  }

  async saveDraft(principal: Principal, key: string, input: RuleSetDocument, expectedRev?: number) {
    const doc = this.checked(input, key);
    const saved = await this.deps.store.saveDraft(doc, actorOf(principal).label, expectedRev);
    return { key, ...saved, facts: doc.facts };
  }

  async discardDraft(principal: Principal, key: string): Promise<void> {
    if (!(await this.deps.store.deleteDraft(key))) throw new NotFoundError(`Draft of rule set ${key}`);
    await this.deps.audit.record({ principal, action: 'ruleSet.draft.discard', target: { type: 'ruleSet', id: key } });
  }

  /** The document a test-panel call works on: the unsaved one sent along, else the draft, else the latest version. */
  private async candidate(key: string, unsaved?: RuleSetDocument): Promise<CompiledRuleSet> {
    if (unsaved) return this.deps.runtime.compile(this.checked(unsaved, key));
    const draft = await this.deps.store.draft(key);
    if (draft) return this.deps.runtime.compile(draft.doc);
    return this.deps.evaluator.compiled(key);
  }

  private static checkFacts(facts: Record<string, unknown> | undefined): void {
    const unknown = Object.keys(facts ?? {}).filter((k) => !FACT_REGISTRY.has(k) || k === 'order');
    if (unknown.length) throw new ValidationError('Unknown facts', unknown.map((k) => ({ path: `facts.${k}`, message: k === 'order' ? 'give the order in "order"' : `unknown fact "${k}"` })));
  }

  async testDraft(key: string, body: { ruleSet?: RuleSetDocument; order: Record<string, unknown>; facts?: Record<string, unknown> }) {
    RulesService.checkFacts(body.facts);
    const compiled = await this.candidate(key, body.ruleSet);
    return this.deps.runtime.evaluate(compiled, body.order, { facts: body.facts, explain: true });
  }

  async runTestCases(key: string, body: { ruleSet?: RuleSetDocument }) {
    const compiled = await this.candidate(key, body.ruleSet);
    const results = await this.deps.runtime.runTestCases(compiled, { explain: true });
    return { total: results.length, passed: results.filter((r) => r.passed).length, failed: results.filter((r) => !r.passed).length, results };
  }

  async backtest(key: string, body: { ruleSet?: RuleSetDocument; limit: number; facts?: Record<string, unknown> }) {
    RulesService.checkFacts(body.facts);
    const candidate = await this.candidate(key, body.ruleSet);
    const latest = await this.deps.store.latestVersion(key);
    const baseline = latest === undefined ? undefined : await this.deps.evaluator.compiled(key, latest);
    const orders = await this.deps.orders.recentOrders(body.limit);
    return this.deps.runtime.backtest(candidate, baseline, orders, { facts: body.facts, recorded: (order) => this.recordedDecision(key, order) });
  }

  /** Draft → version n+1, only when every test case passes; a published version is never changed. */
  async publish(principal: Principal, key: string, body: { rev?: number; note?: string }) {
    const { store, runtime } = this.deps;
    const draft = await store.draft(key);
    if (!draft) throw new NotFoundError(`Draft of rule set ${key}`);
    if (body.rev !== undefined && body.rev !== draft.rev) throw new ConflictError(`The draft is at revision ${draft.rev}, not ${body.rev}; reload it`, { rev: draft.rev });
    const doc = parseRuleSet(draft.doc);
    const results = await runtime.runTestCases(runtime.compile(doc));
    const failures = results.filter((r) => !r.passed);
    if (failures.length) {
      throw new UnprocessableError(
        `${failures.length} of ${results.length} test cases fail; nothing was published`,
        failures.map((f) => ({ path: `testCases.${f.index}`, message: describeFailure(f) })),
        { failures: failures.map(({ explanation: _e, ...f }) => f) },
      );
    }
    const latest = (await store.latestVersion(key)) ?? 0;
    const hash = hashRuleSet(doc);
    if (latest > 0 && (await store.versions(key))[0]?.hash === hash) throw new ConflictError(`The draft is unchanged since version ${latest}; nothing to publish`);
    await this.deps.approvals?.gatePublish('ruleSet', key, hash, principal, `${doc.name}: version ${latest + 1}${body.note ? ` — ${body.note}` : ''}`);
    const version = await store.insertPublished(doc, latest + 1, actorOf(principal).label, body.note);
    await this.deps.audit.record({ principal, action: 'ruleSet.publish', target: { type: 'ruleSet', id: key, label: `${key}@${version.version}` }, after: { version: version.version, hash, note: body.note, testCases: results.length } });
    return { key, ...version, testCases: results.length };
  }

  async evaluate(key: string, body: { order: Record<string, unknown>; facts?: Record<string, unknown>; version?: number; explain: boolean }) {
    RulesService.checkFacts(body.facts);
    const d = await this.deps.evaluator.evaluateVersion(key, body.version, body.order, { facts: body.facts, explain: body.explain });
    return { ruleSet: { key, version: d.version }, outcome: d.outcome, usedDefault: d.usedDefault, explanation: d.explanation };
  }

  async sampleOrders(limit: number) {
    const orders = await this.deps.orders.recentOrders(limit);
    return orders.map((o) => ({ id: String(o.id ?? ''), number: o.number ?? null, customer: (o.customer as { name?: string } | undefined)?.name ?? null, order: o }));
  }

  /**
   * Shipped rule sets (workflows/rules/*.rules.json) are loaded on first start: a key that does not
   * exist yet becomes a draft plus published version 1 (when its test cases pass).
   */
  async ensureReferenceRuleSets(dir: string): Promise<string[]> {
    const { store, runtime, logger } = this.deps;
    const loaded: string[] = [];
    if (!fs.existsSync(dir)) return loaded;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.rules.json')).sort()) {
      try {
        const doc = parseRuleSet(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
        if (await store.exists(doc.key)) continue;
        await store.createDraft(doc, 'system');
        const failures = (await runtime.runTestCases(runtime.compile(doc))).filter((r) => !r.passed);
        if (failures.length) {
          logger.error({ file, failures: failures.map(describeFailure) }, 'reference rule set left as a draft: its test cases fail');
          continue;
        }
        await store.insertPublished(doc, 1, 'system', 'reference rule set');
        loaded.push(doc.key);
      } catch (err) {
        if (err instanceof ConflictError) continue; // another node loaded it at the same moment
        logger.error({ err, file }, 'cannot load reference rule set');
      }
    }
    if (loaded.length) logger.info({ ruleSets: loaded }, 'reference rule sets loaded');
    return loaded;
  }
}
