import type { TaskActor } from '../../../engine';
import { actorOf, type Principal } from '../../auth/principal';
import { inScope, scopeOf, type ScopeFacts } from '../../auth/record-scope';

/** The scope facts (channel, warehouse) of orders by number; numbers that are no order are absent. */
export type FactsByKeys = (keys: readonly string[]) => Promise<ReadonlyMap<string, ScopeFacts>>;

/**
 * The caller as the task queues see them: ids and groups (their groups and their role), and what they may do.
 * A caller with a record scope sees only tasks of orders inside it (`facts` looks the orders up; without it,
 * a scoped caller sees no task at all).
 */
export function taskActorOf(p: Principal, facts?: FactsByKeys): TaskActor {
  const base = actorOf(p);
  const perms = p.kind === 'anonymous' ? new Set<string>() : (p.permissions as ReadonlySet<string>);
  const groups = p.kind === 'user' ? [...((p as { groups?: readonly string[] }).groups ?? []), p.role] : [];
  const aliases = p.kind === 'user' ? [p.email] : [];
  const actor: TaskActor = { ...base, groups, aliases, canSeeAll: perms.has('tasks.all'), canAssign: perms.has('tasks.assign') };
  const scope = scopeOf(p);
  if (scope) {
    actor.visibleKeys = async (keys) => {
      const known = facts ? await facts(keys) : new Map<string, ScopeFacts>();
      return new Set(keys.filter((k) => inScope(scope, known.get(k))));
    };
  }
  return actor;
}
