import type { TaskActor } from '../../../engine';
import { actorOf, type Principal } from '../../auth/principal';
import { inScope, scopeOf, type ScopeFacts } from '../../auth/record-scope';
import { NotFoundError } from '../../../workflows/model/errors';

/** The scope facts (channel, warehouse) of orders by number; numbers that are no order are absent. */
export type FactsByKeys = (keys: readonly string[]) => Promise<ReadonlyMap<string, ScopeFacts>>;
/** Which of these business keys (order numbers) the caller may see. */
export type VisibleKeys = (keys: readonly string[]) => Promise<ReadonlySet<string>>;

/**
 * For a caller with a record scope: the business keys inside it (`facts` looks the orders up; without
 * it, none). Undefined for a caller without a scope: everything is visible.
 */
export function visibleKeysOf(p: Principal, facts?: FactsByKeys): VisibleKeys | undefined {
  const scope = scopeOf(p);
  if (!scope) return undefined;
  return async (keys) => {
    const known = facts ? await facts(keys) : new Map<string, ScopeFacts>();
    return new Set(keys.filter((k) => inScope(scope, known.get(k))));
  };
}

/**
 * 404 (`what` not found, as for a missing record) unless the business key is visible to the caller;
 * no key at all is no order, so outside every non-empty scope. Callers without a scope pass.
 */
export async function assertKeyVisible(p: Principal, facts: FactsByKeys | undefined, businessKey: string | null | undefined, what: string): Promise<void> {
  const visible = visibleKeysOf(p, facts);
  if (visible && !(businessKey && (await visible([businessKey])).has(businessKey))) throw new NotFoundError(what);
}

/**
 * The caller as the task queues see them: ids and groups (their groups and their role), and what they may do.
 * A caller with a record scope sees only tasks of orders inside it.
 */
export function taskActorOf(p: Principal, facts?: FactsByKeys): TaskActor {
  const base = actorOf(p);
  const perms = p.kind === 'anonymous' ? new Set<string>() : (p.permissions as ReadonlySet<string>);
  const groups = p.kind === 'user' ? [...((p as { groups?: readonly string[] }).groups ?? []), p.role] : [];
  const aliases = p.kind === 'user' ? [p.email] : [];
  const visibleKeys = visibleKeysOf(p, facts);
  return { ...base, groups, aliases, canSeeAll: perms.has('tasks.all'), canAssign: perms.has('tasks.assign'), ...(visibleKeys ? { visibleKeys } : {}) };
}
