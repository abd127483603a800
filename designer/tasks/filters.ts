/**
 * Filters, search and sorting of the inbox on the order's business fields (channel, customer,
 * amount, warehouse, SKU) and the task's priority and due date. Saved filters are kept per user in
 * this browser's localStorage. Pure functions apart from the storage helpers.
 */
import { SLA_SOON_MS } from '../../server/contracts/realtime';
import type { InboxTask } from './model';

export type DueFilter = '' | 'overdue' | 'today' | 'soon' | 'none';

export interface TaskFilter {
  channel: string;
  customer: string;
  minAmount: string;
  maxAmount: string;
  warehouse: string;
  sku: string;
  /** minimum task priority (0–100), '' = any */
  minPriority: string;
  due: DueFilter;
  /** 'escalated': only tasks a boundary timer escalated */
  escalation: '' | 'escalated';
}

export const EMPTY_FILTER: TaskFilter = { channel: '', customer: '', minAmount: '', maxAmount: '', warehouse: '', sku: '', minPriority: '', due: '', escalation: '' };

export interface SavedFilter {
  name: string;
  filter: TaskFilter;
}

export const SORT_KEYS = ['order', 'task', 'channel', 'customer', 'amount', 'warehouse', 'sku', 'priority', 'due', 'created'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}
/** Most urgent first: highest priority, then earliest due. */
export const DEFAULT_SORT: Sort = { key: 'priority', dir: 'desc' };

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);
const includes = (hay: unknown, needle: string) => str(hay).toLowerCase().includes(needle.trim().toLowerCase());

export const isEmptyFilter = (f: TaskFilter) => Object.values(f).every((v) => v === '');

function matchesDue(t: InboxTask, due: DueFilter, now: number): boolean {
  if (!due) return true;
  if (due === 'none') return !t.dueAt;
  if (!t.dueAt) return false;
  const at = Date.parse(t.dueAt);
  if (due === 'overdue') return at <= now;
  if (due === 'soon') return at > now && at - now <= SLA_SOON_MS;
  const end = new Date(now);
  end.setHours(23, 59, 59, 999);
  return at <= end.getTime();
}

export function matchesFilter(t: InboxTask, f: TaskFilter, now: number): boolean {
  const amount = num(t.fields.amount);
  if (f.channel && str(t.fields.channel) !== f.channel) return false;
  if (f.customer && !includes(t.fields.customer, f.customer)) return false;
  if (f.warehouse && str(t.fields.warehouse) !== f.warehouse) return false;
  if (f.sku && !includes(t.fields.sku, f.sku)) return false;
  if (num(f.minAmount) !== undefined && (amount === undefined || amount < num(f.minAmount)!)) return false;
  if (num(f.maxAmount) !== undefined && (amount === undefined || amount > num(f.maxAmount)!)) return false;
  if (num(f.minPriority) !== undefined && t.priority < num(f.minPriority)!) return false;
  if (f.escalation === 'escalated' && !t.escalation && t.sla !== 'escalated') return false;
  return matchesDue(t, f.due, now);
}

/** Free-text search over the order number, task name, customer (a mail's sender), SKU, warehouse, assignee and a mail's subject. */
export function matchesSearch(t: InboxTask, q: string): boolean {
  const words = q.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = [t.businessKey, t.name, t.elementId, t.assignee, t.fields.customer, t.fields.sku, t.fields.warehouse, t.fields.channel, t.fields.subject].map(str).join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}

function sortValue(t: InboxTask, key: SortKey): string | number | undefined {
  switch (key) {
    case 'order':
      return t.businessKey ?? undefined;
    case 'task':
      return t.name;
    case 'amount':
      return num(t.fields.amount);
    case 'priority':
      return t.priority;
    case 'due':
      return t.dueAt ? Date.parse(t.dueAt) : undefined;
    case 'created':
      return t.createdAt ? Date.parse(t.createdAt) : undefined;
    default:
      return t.fields[key] === null || t.fields[key] === undefined ? undefined : str(t.fields[key]);
  }
}

/** Sorts a copy; empty values always go last, ties fall back to the earliest due date, then the order number. */
export function sortTasks(list: readonly InboxTask[], sort: Sort): InboxTask[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const cmp = (a: string | number | undefined, b: string | number | undefined, s: number) => {
    if (a === undefined && b === undefined) return 0;
    if (a === undefined) return 1;
    if (b === undefined) return -1;
    return (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true })) * s;
  };
  return [...list].sort(
    (a, b) =>
      cmp(sortValue(a, sort.key), sortValue(b, sort.key), sign) ||
      cmp(sortValue(a, 'due'), sortValue(b, 'due'), 1) ||
      str(a.businessKey).localeCompare(str(b.businessKey)) ||
      a.id.localeCompare(b.id),
  );
}

/** Distinct non-empty values of a field, for the filter drop-downs. */
export function distinctValues(list: readonly InboxTask[], field: 'channel' | 'warehouse'): string[] {
  return [...new Set(list.map((t) => str(t.fields[field])).filter(Boolean))].sort();
}

/* ---- saved filters (per user, this browser) ---- */

const storageKey = (userId: string) => `ordo.tasks.filters.${userId}`;

export function parseSavedFilters(raw: string | null): SavedFilter[] {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((s): s is SavedFilter => typeof s === 'object' && s !== null && typeof (s as SavedFilter).name === 'string' && typeof (s as SavedFilter).filter === 'object')
      .map((s) => ({ name: s.name.slice(0, 60), filter: { ...EMPTY_FILTER, ...pickStrings(s.filter) } }));
  } catch {
    return [];
  }
}

function pickStrings(f: object): Partial<TaskFilter> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(EMPTY_FILTER)) {
    const v = (f as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out as Partial<TaskFilter>;
}

export function loadSavedFilters(userId: string): SavedFilter[] {
  try {
    return parseSavedFilters(localStorage.getItem(storageKey(userId)));
  } catch {
    return [];
  }
}

export function storeSavedFilters(userId: string, filters: readonly SavedFilter[]): void {
  try {
    localStorage.setItem(storageKey(userId), JSON.stringify(filters));
  } catch {
    /* storage disabled: the filters last for this page only */
  }
}

/** Adds or replaces (same name) a saved filter. */
export function upsertSaved(list: readonly SavedFilter[], name: string, filter: TaskFilter): SavedFilter[] {
  const trimmed = name.trim().slice(0, 60);
  return [...list.filter((s) => s.name !== trimmed), { name: trimmed, filter }].sort((a, b) => a.name.localeCompare(b.name));
}
