import type { FieldIssue } from './errors';

/** zod issues → Ordo field issues (dotted paths), without importing zod into the browser bundle. */
export function toFieldIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix = ''): FieldIssue[] {
  return issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.') || '(root)',
    message: i.message,
  }));
}
