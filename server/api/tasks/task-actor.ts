import type { TaskActor } from '../../../engine';
import { actorOf, type Principal } from '../../auth/principal';

/** The caller as the task queues see them: ids and groups (their groups and their role), and what they may do. */
export function taskActorOf(p: Principal): TaskActor {
  const base = actorOf(p);
  const perms = p.kind === 'anonymous' ? new Set<string>() : (p.permissions as ReadonlySet<string>);
  const groups = p.kind === 'user' ? [...((p as { groups?: readonly string[] }).groups ?? []), p.role] : [];
  const aliases = p.kind === 'user' ? [p.email] : [];
  return { ...base, groups, aliases, canSeeAll: perms.has('tasks.all'), canAssign: perms.has('tasks.assign') };
}
