/**
 * The rule-set document: what analysts author, what is stored as a draft and published as an
 * immutable version. Conditions are json-rules-engine conditions (nested all / any / not) over the
 * facts of the fact registry (engine/rules/facts.ts); this file only checks their shape. Which facts
 * exist and which operators fit them is checked by engine/rules/validate.ts.
 */
import { z } from 'zod';

export const RULE_SET_KINDS = ['review', 'allocation', 'other'] as const;
export type RuleSetKind = (typeof RULE_SET_KINDS)[number];

/** first: the highest-priority match decides; collect: every match is returned; unique: two matches are an error. */
export const HIT_POLICIES = ['first', 'collect', 'unique'] as const;
export type HitPolicy = (typeof HIT_POLICIES)[number];

export const OPERATORS = [
  'equal',
  'notEqual',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'between',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'startsWith',
  'matches',
  'before',
  'after',
  'percentageOf',
  'exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const PERCENT_COMPARISONS = ['gt', 'gte', 'lt', 'lte'] as const;

/** nesting of all / any / not groups a rule may use (the root group counts as 1). */
export const MAX_CONDITION_DEPTH = 8;
/** keys of a decision's outcome that rule parameters may not use. */
export const RESERVED_OUTCOME_KEYS = ['decision', 'rules', 'results'] as const;

export const RULE_SET_KEY = /^[a-z][a-z0-9-]{1,62}$/;
/** `order-review` (latest published) or `order-review@3` (pinned). */
export const RULE_SET_REF = /^([a-z][a-z0-9-]{1,62})(?:@([1-9][0-9]{0,5}))?$/;

const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must start with a letter and use letters, digits, _ or - (max 64)');
const factId = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a fact id from the fact list');
const factPath = z.string().max(200, 'must be at most 200 characters');
const factParams = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'must be a parameter name'), z.union([z.string().max(200), z.number(), z.boolean()]));

export const factRefSchema = z.strictObject({ fact: factId, path: factPath.optional(), params: factParams.optional() });
export type FactRef = z.infer<typeof factRefSchema>;

export interface ConditionLeaf {
  fact: string;
  path?: string;
  params?: Record<string, string | number | boolean>;
  operator: Operator;
  /** a literal, a fact reference `{ fact, path? }`, or for percentageOf `{ percent, of, comparison? }` */
  value: unknown;
}
export type Condition = ConditionLeaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };
export type ConditionGroup = { all: Condition[] } | { any: Condition[] } | { not: Condition };

const leafSchema = z.strictObject({
  fact: factId,
  path: factPath.optional(),
  params: factParams.optional(),
  operator: z.enum(OPERATORS),
  value: z.unknown().refine((v) => v !== undefined, 'is required'),
});
const allSchema = z.strictObject({ all: z.array(z.lazy(() => conditionSchema)).min(1, 'a group needs at least one condition').max(50) });
const anySchema = z.strictObject({ any: z.array(z.lazy(() => conditionSchema)).min(1, 'a group needs at least one condition').max(50) });
const notSchema = z.strictObject({ not: z.lazy(() => conditionSchema) });

const SHAPE_HINT = 'a condition is {"all":[…]}, {"any":[…]}, {"not":{…}} or {"fact","operator","value"}';

function shapeOf(value: unknown): z.ZodType | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if ('all' in value) return allSchema;
  if ('any' in value) return anySchema;
  if ('not' in value) return notSchema;
  if ('fact' in value || 'operator' in value) return leafSchema;
  return undefined;
}

/** Dispatches on the condition's shape so that errors name the real problem, not "invalid union". */
function dispatch(groupsOnly: boolean) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    const schema = shapeOf(value);
    if (!schema || (groupsOnly && schema === leafSchema)) {
      ctx.addIssue({ code: 'custom', message: groupsOnly ? 'the conditions of a rule are one group: {"all":[…]}, {"any":[…]} or {"not":{…}}' : SHAPE_HINT });
      return;
    }
    const result = schema.safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as PropertyKey[] });
  };
}

export const conditionSchema: z.ZodType<Condition> = z.any().superRefine(dispatch(false)) as z.ZodType<Condition>;

/** How deep groups nest, counted up to `limit + 1` (so a hostile document cannot exhaust the stack). */
export function conditionDepth(value: unknown, limit = MAX_CONDITION_DEPTH): number {
  if (!value || typeof value !== 'object') return 0;
  const v = value as Record<string, unknown>;
  const children = Array.isArray(v.all) ? v.all : Array.isArray(v.any) ? v.any : v.not !== undefined ? [v.not] : undefined;
  if (!children) return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, conditionDepth(child, limit - 1));
  return 1 + deepest;
}

const rootConditionSchema = z.any().superRefine((value, ctx) => {
  if (conditionDepth(value) > MAX_CONDITION_DEPTH) {
    ctx.addIssue({ code: 'custom', message: `groups nest deeper than ${MAX_CONDITION_DEPTH} levels` });
    return;
  }
  dispatch(true)(value, ctx);
}) as z.ZodType<ConditionGroup>;

const paramsSchema = z
  .record(identifier, z.unknown())
  .refine((p) => !RESERVED_OUTCOME_KEYS.some((k) => k in p), `must not use the reserved names ${RESERVED_OUTCOME_KEYS.join(', ')}`);

export const outcomeSchema = z.strictObject({ type: identifier, params: paramsSchema.default({}) });
export type RuleOutcome = z.infer<typeof outcomeSchema>;

export const ruleSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/, 'must use letters, digits, _ . or - (max 80)'),
  description: z.string().max(500).optional(),
  /** higher runs first and wins under the `first` hit policy */
  priority: z.int().min(1).max(10000),
  enabled: z.boolean().optional(),
  conditions: rootConditionSchema,
  event: outcomeSchema,
});
export type Rule = z.infer<typeof ruleSchema>;

export const testCaseSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  /** the input order (canonical order shape, possibly partial) */
  order: z.record(z.string(), z.unknown()),
  /** fixed values for other facts (stock, credit, today, …) so the case never depends on live systems */
  facts: z.record(factId, z.unknown()).optional(),
  /** every key must equal the decision's outcome key, e.g. {"decision":"manual","reason":"CREDIT_LIMIT"} */
  expect: z.record(z.string(), z.unknown()).refine((e) => Object.keys(e).length > 0, 'must name at least one outcome key'),
});
export type RuleTestCase = z.infer<typeof testCaseSchema>;

export const ruleSetDocumentSchema = z
  .strictObject({
    key: z.string().regex(RULE_SET_KEY, 'must be lower-case letters, digits and - (2-63, starting with a letter)'),
    name: z.string().trim().min(1).max(120),
    description: z.string().max(2000).optional(),
    kind: z.enum(RULE_SET_KINDS),
    hitPolicy: z.enum(HIT_POLICIES),
    /** fact ids the rules use; computed on save */
    facts: z.array(factId).max(200).optional(),
    rules: z.array(ruleSchema).max(200),
    defaultOutcome: outcomeSchema,
    testCases: z.array(testCaseSchema).max(200).default([]),
  })
  .superRefine((doc, ctx) => {
    const seen = new Map<string, number>();
    doc.rules.forEach((rule, i) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `"${rule.name}" is already the name of rules.${seen.get(rule.name)}` });
      else seen.set(rule.name, i);
    });
  });
export type RuleSetDocument = z.infer<typeof ruleSetDocumentSchema>;
export type RuleSetDocumentInput = z.input<typeof ruleSetDocumentSchema>;

/** The answer of an evaluation. */
export interface RuleSetDecision {
  outcome: { decision: string; rules: string[]; results?: Array<Record<string, unknown>>; [param: string]: unknown };
  /** true when no rule matched and the default outcome applied */
  usedDefault: boolean;
  explanation?: RuleSetExplanation;
}

export interface ExplanationNode {
  type: 'all' | 'any' | 'not' | 'condition';
  /** null: not evaluated (an earlier sibling already decided the group) */
  result: boolean | null;
  children?: ExplanationNode[];
  fact?: string;
  path?: string;
  params?: Record<string, unknown>;
  operator?: string;
  /** the expected value as written in the rule */
  value?: unknown;
  /** the expected value after fact references were resolved */
  valueResult?: unknown;
  /** the fact's value (after the path) */
  factResult?: unknown;
}

export interface RuleExplanation {
  name: string;
  priority: number;
  /** the conditions held */
  matched: boolean;
  /** this rule's event is (part of) the decision */
  decisive: boolean;
  event: RuleOutcome;
  conditions: ExplanationNode;
}

export interface RuleSetExplanation {
  hitPolicy: HitPolicy;
  rules: RuleExplanation[];
  usedDefault: boolean;
}

export interface TestCaseResult {
  index: number;
  name: string;
  passed: boolean;
  expected: Record<string, unknown>;
  actual?: RuleSetDecision['outcome'];
  /** keys whose value differed */
  mismatches: string[];
  error?: string;
  explanation?: RuleSetExplanation;
}

/** What a backtest reports: how many decisions a candidate would change on stored orders, and which. */
export interface BacktestResult {
  total: number;
  changed: number;
  unchanged: number;
  errors: number;
  /** null when there is no published version to compare with */
  baselineVersion: number | null;
  /** orders whose flow took a decision of this rule set that the candidate would not take */
  differFromRecorded: number;
  orders: Array<{
    id: string;
    number?: string;
    changed: boolean;
    before?: Record<string, unknown> | null;
    after?: Record<string, unknown>;
    /** the last decision of this rule set taken in the order's flow, as it was then */
    recorded?: RecordedDecision;
    error?: string;
  }>;
}

/** A decision a business-rule task took in a flow (from the instance history). */
export interface RecordedDecision {
  version: number;
  at: string;
  outcome: Record<string, unknown>;
}
