/**
 * Checks a rule set against the fact registry: every fact known, every path inside the fact's type,
 * every operator fitting the type, every value fitting the operator, every pattern safe. Each issue
 * names the rule and the condition path (`rules.2.conditions.all.0.operator`) and the reason.
 */
import { ValidationError, type FieldIssue } from '../../workflows/model/errors';
import { toFieldIssues } from '../../workflows/model/zod-issues';
import { PERCENT_COMPARISONS, ruleSetDocumentSchema, type Condition, type ConditionLeaf, type RuleSetDocument } from '../../workflows/model/rule-set';
import { FACT_REGISTRY, leafTypeOf, typeAtPath, type FieldType } from './facts';
import { OPERATOR_SPECS, type LeafType } from './operators';
import { parsePath } from './path';
import { analysePattern } from './regex';

const MAX_LIST = 500;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isFactRef = (v: unknown): v is { fact: string; path?: string; params?: Record<string, unknown> } => isRecord(v) && 'fact' in v;

function describe(t: LeafType): string {
  return t.kind === 'array' ? `list of ${t.of}` : t.kind;
}

class Checker {
  readonly issues: FieldIssue[] = [];
  readonly facts = new Set<string>();
  private rule = '';

  forRule(name: string) {
    this.rule = name;
  }

  fail(path: string, message: string) {
    this.issues.push({ path, message: this.rule ? `rule "${this.rule}": ${message}` : message });
  }

  /** Resolves fact + params + path to a type, reporting what is wrong. */
  factType(ref: { fact: string; path?: string; params?: Record<string, unknown> }, at: string): FieldType | undefined {
    const def = FACT_REGISTRY.get(ref.fact);
    if (!def || def.hidden) {
      this.fail(`${at}.fact`, `unknown fact "${ref.fact}"`);
      return undefined;
    }
    this.facts.add(ref.fact);
    const specs = def.params ?? {};
    for (const [name, spec] of Object.entries(specs)) {
      const given = ref.params?.[name];
      if (given === undefined) {
        if (spec.required) this.fail(`${at}.params.${name}`, `the fact "${ref.fact}" needs the parameter "${name}" (${spec.description})`);
      } else if (typeof given !== spec.type) this.fail(`${at}.params.${name}`, `must be a ${spec.type}`);
    }
    for (const name of Object.keys(ref.params ?? {})) if (!specs[name]) this.fail(`${at}.params.${name}`, `the fact "${ref.fact}" has no parameter "${name}"`);
    if (ref.path === undefined) return def.type;
    const segments = parsePath(ref.path);
    if (typeof segments === 'string') {
      this.fail(`${at}.path`, `path ${ref.path} ${segments}`);
      return undefined;
    }
    const t = typeAtPath(def.type, segments);
    if (typeof t === 'string') {
      this.fail(`${at}.path`, `path ${ref.path} of fact "${ref.fact}" ${t}`);
      return undefined;
    }
    return t;
  }

  /** A literal (or a fact reference) of the given scalar kind. */
  scalar(value: unknown, kind: LeafType['kind'], values: readonly string[] | undefined, at: string, allowRef: boolean): void {
    if (isFactRef(value)) {
      if (!allowRef) return this.fail(at, 'must be a literal value here, not a fact reference');
      const t = this.factType(value, at);
      if (!t) return;
      const other = leafTypeOf(t);
      const compatible = other.kind === kind || (kind === 'enum' && other.kind === 'string') || (kind === 'string' && other.kind === 'enum');
      if (!compatible) this.fail(at, `the fact reference is a ${describe(other)}, the condition needs a ${kind}`);
      return;
    }
    switch (kind) {
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(at, `must be a number, got ${JSON.stringify(value)}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.fail(at, `must be true or false, got ${JSON.stringify(value)}`);
        return;
      case 'date':
        if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) this.fail(at, `must be a date like 2026-03-31, got ${JSON.stringify(value)}`);
        return;
      case 'enum':
        if (typeof value !== 'string' || (values && !values.includes(value))) this.fail(at, `must be one of ${values?.join(', ')}, got ${JSON.stringify(value)}`);
        return;
      default:
        if (typeof value !== 'string') this.fail(at, `must be text, got ${JSON.stringify(value)}`);
    }
  }

  leaf(c: ConditionLeaf, at: string): void {
    const ft = this.factType(c, at);
    if (!ft) return;
    const type = leafTypeOf(ft);
    const spec = OPERATOR_SPECS[c.operator];
    if (!spec.fits(type)) {
      return this.fail(`${at}.operator`, `operator "${c.operator}" does not fit the fact ${c.fact}${c.path ? ` ${c.path}` : ''}, which is a ${describe(type)}`);
    }
    const v = c.value;
    const vat = `${at}.value`;
    const kind = type.kind === 'array' || type.kind === 'object' ? 'string' : type.kind;
    const values = 'values' in type ? type.values : undefined;
    switch (spec.value) {
      case 'same':
        return this.scalar(v, kind, values, vat, true);
      case 'list':
        if (!Array.isArray(v) || v.length === 0 || v.length > MAX_LIST) return this.fail(vat, `must be a list of 1 to ${MAX_LIST} values`);
        v.forEach((item, i) => this.scalar(item, kind, values, `${vat}.${i}`, false));
        return;
      case 'range':
        if (!Array.isArray(v) || v.length !== 2) return this.fail(vat, 'must be [from, to]');
        v.forEach((item, i) => this.scalar(item, kind, undefined, `${vat}.${i}`, false));
        if (typeof v[0] === typeof v[1] && (kind === 'number' ? v[0] > v[1] : Date.parse(v[0]) > Date.parse(v[1]))) this.fail(vat, 'from must not be after to');
        return;
      case 'element':
        return this.scalar(v, type.kind === 'array' ? type.of : 'string', values, vat, false);
      case 'text':
        if (typeof v !== 'string' || v.length === 0 || v.length > 200) this.fail(vat, 'must be text of 1 to 200 characters');
        return;
      case 'pattern': {
        if (typeof v !== 'string') return this.fail(vat, 'must be a regular expression as text');
        const analysed = analysePattern(v);
        if (typeof analysed === 'string') this.fail(vat, `unsafe or invalid pattern: ${analysed}`);
        return;
      }
      case 'percent': {
        if (!isRecord(v)) return this.fail(vat, 'must be {"percent": 80, "of": {"fact": …}, "comparison": "gt"}');
        const extra = Object.keys(v).filter((k) => !['percent', 'of', 'comparison'].includes(k));
        if (extra.length) this.fail(vat, `unknown key ${extra.join(', ')}`);
        if (typeof v.percent !== 'number' || !(v.percent >= 0 && v.percent <= 100000)) this.fail(`${vat}.percent`, 'must be a number from 0 to 100000');
        if (v.comparison !== undefined && !PERCENT_COMPARISONS.includes(v.comparison as never)) this.fail(`${vat}.comparison`, `must be one of ${PERCENT_COMPARISONS.join(', ')}`);
        if (typeof v.of === 'number') return;
        if (!isFactRef(v.of)) return this.fail(`${vat}.of`, 'must be a number or a fact reference {"fact": …}');
        return this.scalar(v.of, 'number', undefined, `${vat}.of`, true);
      }
      case 'boolean':
        if (typeof v !== 'boolean') this.fail(vat, 'must be true or false');
    }
  }

  condition(c: Condition, at: string): void {
    if ('all' in c) c.all.forEach((child, i) => this.condition(child, `${at}.all.${i}`));
    else if ('any' in c) c.any.forEach((child, i) => this.condition(child, `${at}.any.${i}`));
    else if ('not' in c) this.condition(c.not, `${at}.not`);
    else this.leaf(c, at);
  }

  params(params: Record<string, unknown>, at: string): void {
    for (const [k, v] of Object.entries(params)) if (isFactRef(v)) this.factType(v, `${at}.${k}`);
  }
}

/** Semantic checks of a document that already passed the zod contract. */
export function checkRuleSet(doc: RuleSetDocument): { issues: FieldIssue[]; facts: string[] } {
  const checker = new Checker();
  doc.rules.forEach((rule, i) => {
    checker.forRule(rule.name);
    checker.condition(rule.conditions, `rules.${i}.conditions`);
    checker.params(rule.event.params, `rules.${i}.event.params`);
  });
  checker.forRule('');
  for (const [k, v] of Object.entries(doc.defaultOutcome.params)) if (isFactRef(v)) checker.fail(`defaultOutcome.params.${k}`, 'the default outcome takes literal values only');
  doc.testCases.forEach((tc, i) => {
    for (const id of Object.keys(tc.facts ?? {})) {
      if (id === 'order') checker.fail(`testCases.${i}.facts.order`, `test case "${tc.name}": give the order in "order", not in "facts"`);
      else if (!FACT_REGISTRY.has(id)) checker.fail(`testCases.${i}.facts.${id}`, `test case "${tc.name}": unknown fact "${id}"`);
    }
  });
  const facts = [...checker.facts].sort();
  return { issues: checker.issues, facts };
}

/** Parses and checks a rule-set document: the contract, then the semantics. Throws ValidationError (400). */
export function parseRuleSet(input: unknown): RuleSetDocument {
  const parsed = ruleSetDocumentSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('The rule set is invalid', toFieldIssues(parsed.error.issues));
  const { issues, facts } = checkRuleSet(parsed.data);
  if (issues.length) throw new ValidationError('The rule set is invalid', issues);
  return { ...parsed.data, facts };
}
