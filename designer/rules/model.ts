/** Pure helpers of the rule builder: the fact catalogue, operator choice, default values, the decision-table shape. */
import type { Condition, ConditionLeaf, Operator, RuleSetDocument } from '../../workflows/model/rule-set';

export type { Condition, ConditionLeaf, Operator, RuleSetDocument };

export interface CatalogField {
  id: string;
  fact: string;
  path?: string;
  /** number, string, boolean, date, enum, object, or a list: number[] … */
  type: string;
  values?: string[];
  group: 'order' | 'computed' | 'dynamic';
  label: string;
  params?: Record<string, { type: 'string' | 'number'; required: boolean; description: string }>;
}

export interface OperatorInfo {
  id: Operator;
  label: string;
  value: 'same' | 'element' | 'list' | 'range' | 'text' | 'pattern' | 'percent' | 'boolean';
  types: string[];
}

export interface Catalog {
  facts: CatalogField[];
  operators: OperatorInfo[];
}

export const isGroup = (c: Condition): c is Exclude<Condition, ConditionLeaf> => 'all' in c || 'any' in c || 'not' in c;

export function fieldOf(catalog: Catalog, ref: { fact: string; path?: string }): CatalogField | undefined {
  return catalog.facts.find((f) => f.fact === ref.fact && (f.path ?? '') === (ref.path ?? ''));
}

export function operatorsFor(catalog: Catalog, field: CatalogField | undefined): OperatorInfo[] {
  return field ? catalog.operators.filter((o) => o.types.includes(field.type)) : [];
}

/** The scalar kind a value input edits for this field (lists edit their element). */
export function valueKind(field: CatalogField | undefined): string {
  const t = field?.type ?? 'string';
  return t.endsWith('[]') ? t.slice(0, -2) : t;
}

export function defaultValue(op: OperatorInfo | undefined, field: CatalogField | undefined): unknown {
  const kind = valueKind(field);
  const scalar = kind === 'number' ? 0 : kind === 'boolean' ? true : kind === 'date' ? new Date().toISOString().slice(0, 10) : kind === 'enum' ? (field?.values?.[0] ?? '') : '';
  switch (op?.value) {
    case 'list':
      return [scalar];
    case 'range':
      return [scalar, scalar];
    case 'percent':
      return { percent: 100, of: { fact: 'orderTotal' }, comparison: 'gt' };
    case 'boolean':
      return true;
    default:
      return scalar;
  }
}

export function newLeaf(catalog: Catalog, field: CatalogField): ConditionLeaf {
  const op = operatorsFor(catalog, field)[0];
  const leaf: ConditionLeaf = { fact: field.fact, operator: op?.id ?? 'exists', value: defaultValue(op, field) };
  if (field.path) leaf.path = field.path;
  if (field.params) leaf.params = Object.fromEntries(Object.entries(field.params).filter(([, p]) => p.required).map(([k, p]) => [k, p.type === 'number' ? 0 : '']));
  return leaf;
}

export interface TableShape {
  columns: Array<{ key: string; label: string }>;
  rows: Array<{ index: number; cells: Record<string, ConditionLeaf[]> }>;
}

const columnKey = (l: ConditionLeaf) => `${l.fact}${l.path ? l.path.slice(1) : ''}${l.params ? JSON.stringify(l.params) : ''}`;

/** Rows = rules, columns = the facts they test; null when a rule has nested groups (not a table). */
export function tableShape(doc: Pick<RuleSetDocument, 'rules'>): TableShape | null {
  if (doc.rules.length === 0) return null;
  const columns = new Map<string, string>();
  const rows: TableShape['rows'] = [];
  for (const [index, rule] of doc.rules.entries()) {
    const root = rule.conditions as Condition;
    if (!('all' in root) || root.all.some(isGroup)) return null;
    const cells: Record<string, ConditionLeaf[]> = {};
    for (const leaf of root.all as ConditionLeaf[]) {
      const key = columnKey(leaf);
      columns.set(key, key);
      (cells[key] ??= []).push(leaf);
    }
    rows.push({ index, cells });
  }
  return { columns: [...columns].map(([key, label]) => ({ key, label })), rows };
}

/** A value as an analyst reads it: lists with commas, fact references by name. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(formatValue).join(', ');
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.fact === 'string') return `${v.fact}${typeof v.path === 'string' ? v.path.slice(1) : ''}`;
    if ('percent' in v) return `${String(v.percent)} % ${formatValue(v.of)}`;
    return JSON.stringify(value);
  }
  return value === undefined ? '' : String(value);
}

/** Parses the text of a list input: numbers for numeric facts, trimmed text otherwise. */
export function parseList(text: string, kind: string): unknown[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return kind === 'number' ? items.map(Number) : items;
}

/** Rules sorted for display: by priority, highest first (json-rules-engine's order). */
export function byPriority<T extends { priority: number }>(rules: readonly T[]): Array<{ rule: T; index: number }> {
  return rules.map((rule, index) => ({ rule, index })).sort((a, b) => b.rule.priority - a.rule.priority || a.index - b.index);
}

/** Moves a rule to another place in the priority order and renumbers priorities (10, 20, …) to keep them distinct. */
export function reorder<T extends { priority: number }>(rules: readonly T[], from: number, to: number): T[] {
  const order = byPriority(rules).map((x) => x.index);
  const [moved] = order.splice(from, 1);
  order.splice(to, 0, moved);
  const next = rules.slice();
  order.forEach((ruleIndex, position) => {
    next[ruleIndex] = { ...rules[ruleIndex], priority: (order.length - position) * 10 };
  });
  return next;
}
