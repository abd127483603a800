import { useTestConnection } from '../../tests/helpers/db';
import { ConflictError, NotFoundError } from '../../workflows/model/errors';
import type { RuleSetDocumentInput } from '../../workflows/model/rule-set';
import { createRuleEvaluator } from './evaluator';
import { RuleSetStore } from './rule-set.model';
import { RuleSetRuntime } from './runtime';
import { parseRuleSet } from './validate';

const db = useTestConnection('rules_evaluator');
const ctx = { instanceId: 'p1', activityId: 'review', idempotencyKey: 'k1', attempt: 1 };
const threshold = (value: number) =>
  parseRuleSet({
    key: 'limits',
    name: 'Limits',
    kind: 'review',
    hitPolicy: 'first',
    rules: [{ name: 'big', priority: 1, conditions: { all: [{ fact: 'orderTotal', operator: 'greaterThan', value }] }, event: { type: 'manual', params: {} } }],
    defaultOutcome: { type: 'approve', params: {} },
  } satisfies RuleSetDocumentInput);

describe('RuleEvaluator port over the ruleSets collection', () => {
  let store: RuleSetStore;
  beforeAll(async () => {
    store = new RuleSetStore(db.connection);
    await store.init();
  });

  it('resolves key (latest, looked up on every call) and key@N (pinned) and explains the decision', async () => {
    const evaluator = createRuleEvaluator({ published: store, runtime: new RuleSetRuntime() });
    expect(await evaluator.has('limits')).toBe(false);
    await store.createDraft(threshold(1000), 'test');
    await store.insertPublished(threshold(1000), 1, 'test');
    const order = { totals: { total: 5000 } };
    expect(await evaluator.evaluate('limits', { order }, ctx)).toMatchObject({ ruleSet: { key: 'limits', version: 1 }, outcome: { decision: 'manual' } });

    await store.insertPublished(threshold(10000), 2, 'test');
    const latest = await evaluator.evaluate('limits', { order }, ctx);
    expect(latest).toMatchObject({ ruleSet: { version: 2 }, outcome: { decision: 'approve' } });
    expect((latest.explanation as { rules: Array<{ name: string; matched: boolean }> }).rules).toEqual([expect.objectContaining({ name: 'big', matched: false })]);
    expect(await evaluator.evaluate('limits@1', { order }, ctx)).toMatchObject({ ruleSet: { version: 1 }, outcome: { decision: 'manual' } });
    expect(await evaluator.has('limits@2')).toBe(true);
    expect(await evaluator.has('limits@3')).toBe(false);
    expect(await evaluator.has('Limits!')).toBe(false);
    await expect(evaluator.evaluate('limits@3', { order }, ctx)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('never changes a published version: saving edits the draft, a second version n is refused', async () => {
    await store.saveDraft(threshold(1), 'test');
    expect((await store.load('limits', 1))!.rules[0].conditions).toEqual({ all: [{ fact: 'orderTotal', operator: 'greaterThan', value: 1000 }] });
    await expect(store.insertPublished(threshold(1), 2, 'test')).rejects.toBeInstanceOf(ConflictError);
    expect((await store.versions('limits')).map((v) => v.version)).toEqual([2, 1]);
    await expect(store.saveDraft(threshold(2), 'test', 1)).rejects.toBeInstanceOf(ConflictError);
  });
});
