/**
 * Pure helpers of the admin pages (no React, unit-tested in node): candidate-group names, the audit
 * query string and the before/after diff of an audit entry.
 */
import type { ApprovalKind } from '../../server/contracts/settings';
import type { Permission } from '../../server/contracts/permissions';

// ---- candidate groups -------------------------------------------------------------------------

/** The server's rule (server/contracts/auth.ts groupsSchema); model.test.ts checks they agree. */
export const GROUP_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const MAX_GROUPS = 50;

export type GroupProblem = 'invalid' | 'duplicate' | 'tooMany';

/** What is typed becomes a group name the way the server stores it: trimmed, lower case. */
export const normalizeGroup = (input: string) => input.trim().toLowerCase();

/** Why `name` (already normalised) cannot join `groups`, or undefined when it can. */
export function groupProblem(name: string, groups: readonly string[]): GroupProblem | undefined {
  if (!GROUP_NAME.test(name)) return 'invalid';
  if (groups.includes(name)) return 'duplicate';
  if (groups.length >= MAX_GROUPS) return 'tooMany';
  return undefined;
}

// ---- approvals --------------------------------------------------------------------------------

/** Who may approve a kind: the same permission publishing it needs (server/approvals). */
export const PUBLISH_PERMISSION: Record<ApprovalKind, Permission> = {
  workflow: 'workflows.deploy',
  ruleSet: 'rules.publish',
  template: 'templates.publish',
};
export const APPROVER_PERMISSIONS: readonly Permission[] = Object.values(PUBLISH_PERMISSION);

// ---- audit ------------------------------------------------------------------------------------

export const OUTCOMES = ['ok', 'denied', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One entry of GET /api/audit (server/audit/audit.service.ts AuditEntry as JSON). */
export interface AuditEntryDto {
  at: string;
  actor: { kind: string; id: string | null; label: string };
  action: string;
  target: { type: string; id: string; label?: string };
  before?: unknown;
  after?: unknown;
  ip?: string;
  outcome: Outcome;
}

/** The filters of the audit page, as kept in the address bar: dates are YYYY-MM-DD in local time. */
export interface AuditFilters {
  action: string;
  actor: string;
  targetId: string;
  targetType: string;
  outcome: '' | Outcome;
  from: string;
  to: string;
}
export const AUDIT_FILTER_KEYS = ['action', 'actor', 'targetId', 'targetType', 'outcome', 'from', 'to'] as const satisfies readonly (keyof AuditFilters)[];
export const EMPTY_AUDIT_FILTERS: AuditFilters = { action: '', actor: '', targetId: '', targetType: '', outcome: '', from: '', to: '' };
export const AUDIT_LIMITS = [50, 100, 200, 500, 1000] as const;
export const DEFAULT_AUDIT_LIMIT = 100;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromParams(params: URLSearchParams): { filters: AuditFilters; limit: number } {
  const filters = { ...EMPTY_AUDIT_FILTERS };
  for (const key of AUDIT_FILTER_KEYS) {
    const value = params.get(key)?.trim() ?? '';
    if (key === 'outcome') filters.outcome = (OUTCOMES as readonly string[]).includes(value) ? (value as Outcome) : '';
    else if (key === 'from' || key === 'to') filters[key] = DAY.test(value) ? value : '';
    else filters[key] = value;
  }
  const limit = Number(params.get('limit'));
  return { filters, limit: (AUDIT_LIMITS as readonly number[]).includes(limit) ? limit : DEFAULT_AUDIT_LIMIT };
}

/** The address-bar form (only what is set). */
export function filtersToParams(filters: AuditFilters, limit: number): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of AUDIT_FILTER_KEYS) if (filters[key].trim()) params.set(key, filters[key].trim());
  if (limit !== DEFAULT_AUDIT_LIMIT) params.set('limit', String(limit));
  return params;
}

/** The query of GET /api/audit: a date range covers whole local days, sent as instants. */
export function auditApiQuery(filters: AuditFilters, limit: number, format?: 'csv'): string {
  const params = new URLSearchParams();
  for (const key of ['action', 'actor', 'targetId', 'targetType', 'outcome'] as const) if (filters[key].trim()) params.set(key, filters[key].trim());
  if (filters.from) params.set('from', new Date(`${filters.from}T00:00:00`).toISOString());
  if (filters.to) params.set('to', new Date(`${filters.to}T23:59:59.999`).toISOString());
  params.set('limit', String(limit));
  if (format) params.set('format', format);
  return params.toString();
}

/** The next page size when the newest `limit` entries were not all there is, else undefined. */
export function nextLimit(limit: number, shown: number): number | undefined {
  if (shown < limit) return undefined;
  return AUDIT_LIMITS.find((l) => l > limit);
}

export type Change = 'added' | 'removed' | 'changed' | 'same';
export interface DiffRow {
  /** dotted path, '' for a value that is not an object */
  path: string;
  before?: string;
  after?: string;
  change: Change;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_DEPTH = 6;

/** Leaves by dotted path. Arrays of plain values stay one leaf (['a','b'] reads better than .0 .1). */
function leaves(value: unknown, prefix: string, out: Map<string, string>, depth = 0): Map<string, string> {
  const descend = depth < MAX_DEPTH && (isPlainObject(value) || (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null)));
  if (!descend) {
    if (value !== undefined) out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
    return out;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) out.set(prefix, Array.isArray(value) ? '[]' : '{}');
  for (const [k, v] of entries) leaves(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  return out;
}

/** Field-by-field comparison of an audit entry's before and after snapshots, in reading order. */
export function diffSnapshots(before: unknown, after: unknown): DiffRow[] {
  const b = leaves(before, '', new Map());
  const a = leaves(after, '', new Map());
  const paths = [...new Set([...b.keys(), ...a.keys()])];
  return paths.map((path) => {
    const was = b.get(path);
    const now = a.get(path);
    const change: Change = was === undefined ? 'added' : now === undefined ? 'removed' : was === now ? 'same' : 'changed';
    return { path, before: was, after: now, change };
  });
}
