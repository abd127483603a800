import type { Permission, Role } from '../contracts/permissions';
import type { RecordScope } from './record-scope';

/** Who is calling: a signed-in user (session cookie), a system (API key) or nobody. */
export type Principal =
  | {
      kind: 'user';
      userId: string;
      email: string;
      name: string;
      role: Role;
      groups: readonly string[];
      permissions: ReadonlySet<Permission>;
      sessionId: string;
      csrfToken: string;
      /** record scope (record-scope.ts); absent or empty lists = all orders */
      scope?: RecordScope;
    }
  | { kind: 'apiKey'; keyId: string; name: string; permissions: ReadonlySet<Permission>; scope?: RecordScope }
  | { kind: 'anonymous' };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** A stable actor label for audit and history records. */
export function actorOf(p: Principal): { kind: Principal['kind']; id: string | null; label: string } {
  switch (p.kind) {
    case 'user':
      return { kind: 'user', id: p.userId, label: p.email };
    case 'apiKey':
      return { kind: 'apiKey', id: p.keyId, label: `api-key:${p.name}` };
    default:
      return { kind: 'anonymous', id: null, label: 'anonymous' };
  }
}
