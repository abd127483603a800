/**
 * Record scopes: a user (or an API key) limited to some channels and / or warehouses sees only the
 * orders inside them, and the tasks, socket events, prints and report figures of those orders.
 * This is the ONE definition of the rule; every query, room and check goes through it.
 *
 * The rule (SECURITY.md, "Record scopes"): an empty list means "any". An order is in scope when
 *   - channels is empty, or the order's channel is one of them, AND
 *   - warehouses is empty, or the order is allocated to one of them, or the order is not allocated
 *     yet and the scope also names channels (a warehouse-only scope never sees unallocated orders:
 *     nothing bounds them; a channel+warehouse scope sees its channels' orders until allocation
 *     sends them elsewhere).
 * Records that are not orders (a task without an order) are outside every non-empty scope. Records that
 * stand for orders not yet created take the facts of an unallocated order of their channel: a mail
 * draft (its channel, `email`) and a file import (channel `import`, IMPORT_FACTS). Records about
 * several orders (a print batch, an audit entry) are in scope when all of their orders are.
 * Out-of-scope single records answer 404, never 403, so their existence does not leak.
 */
import { NotFoundError } from '../../workflows/model/errors';
import type { Principal } from './principal';

export interface RecordScope {
  channels: readonly string[];
  warehouses: readonly string[];
}

/** What the rule needs to know of an order; null when the record is not an order. */
export interface ScopeFacts {
  channel?: string | null;
  warehouse?: string | null;
}

/** The effective scope of a caller, or null when nothing limits it (no scope, or empty lists). */
export function scopeOf(p: Principal | undefined): RecordScope | null {
  if (!p || p.kind === 'anonymous') return null;
  const s = p.scope;
  if (!s || (s.channels.length === 0 && s.warehouses.length === 0)) return null;
  return s;
}

/** Normalises stored / submitted lists: trimmed, unique, empty strings dropped. */
export function normaliseScope(s: { channels?: readonly string[] | null; warehouses?: readonly string[] | null } | null | undefined): { channels: string[]; warehouses: string[] } {
  const clean = (l: readonly string[] | null | undefined) => [...new Set((l ?? []).map((x) => x.trim()).filter(Boolean))];
  return { channels: clean(s?.channels), warehouses: clean(s?.warehouses) };
}

const allocated = (w: string | null | undefined): w is string => typeof w === 'string' && w !== '';

/** The predicate: is this order (by its channel and warehouse) inside the scope? */
export function inScope(scope: RecordScope | null, facts: ScopeFacts | null | undefined): boolean {
  if (!scope) return true;
  if (!facts) return false;
  if (scope.channels.length && !(facts.channel && scope.channels.includes(facts.channel))) return false;
  if (!scope.warehouses.length) return true;
  return allocated(facts.warehouse) ? scope.warehouses.includes(facts.warehouse) : scope.channels.length > 0;
}

/** The same rule as a filter on the orders collection ({} when unscoped). Not on _id: FerretDB scans. */
export function scopeFilter(scope: RecordScope | null): Record<string, unknown> {
  if (!scope) return {};
  const f: Record<string, unknown> = {};
  if (scope.channels.length) f.channel = { $in: [...scope.channels] };
  if (scope.warehouses.length) {
    const or: Record<string, unknown>[] = [{ 'allocation.warehouse': { $in: [...scope.warehouses] } }];
    if (scope.channels.length) or.push({ 'allocation.warehouse': { $exists: false } }, { 'allocation.warehouse': null }, { 'allocation.warehouse': '' });
    f.$or = or;
  }
  return f;
}

/** The facts of a stored order document (or an order view). */
export function orderFacts(o: { channel?: string | null; allocation?: { warehouse?: string | null } | null }): ScopeFacts {
  return { channel: o.channel ?? null, warehouse: o.allocation?.warehouse ?? null };
}

/** Throws the 404 a missing record would give when the record is outside the caller's scope. */
export function assertInScope(scope: RecordScope | null, facts: ScopeFacts | null | undefined, what: string): void {
  if (!inScope(scope, facts)) throw new NotFoundError(what);
}

/* ---------- socket rooms ---------- */

const enc = (s: string) => encodeURIComponent(s);

/**
 * The rooms a scoped socket joins instead of `base` (e.g. `group:packers`): one per part of its
 * scope, so an event sent to the rooms of eventRooms() reaches it only when inScope() holds.
 * Unscoped sockets join `base` itself.
 */
export function scopedRooms(base: string, scope: RecordScope | null): string[] {
  if (!scope) return [base];
  const { channels, warehouses } = scope;
  if (!warehouses.length) return channels.map((c) => `${base}|c:${enc(c)}`);
  if (!channels.length) return warehouses.map((w) => `${base}|w:${enc(w)}`);
  return channels.flatMap((c) => [...warehouses.map((w) => `${base}|c:${enc(c)}|w:${enc(w)}`), `${base}|c:${enc(c)}|unallocated`]);
}

/** The rooms an event about an order goes to, for each base room; facts null: unscoped rooms only. */
export function eventRooms(bases: readonly string[], facts: ScopeFacts | null | undefined): string[] {
  const out: string[] = [];
  for (const base of bases) {
    out.push(base);
    if (!facts?.channel) continue;
    const c = enc(facts.channel);
    out.push(`${base}|c:${c}`);
    if (allocated(facts.warehouse)) out.push(`${base}|w:${enc(facts.warehouse)}`, `${base}|c:${c}|w:${enc(facts.warehouse)}`);
    else out.push(`${base}|c:${c}|unallocated`);
  }
  return out;
}
