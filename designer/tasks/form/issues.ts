/** The server's field issues (paths like 'lines.0.quantity') as an rjsf ErrorSchema for the form. */
import type { ErrorSchema } from '@rjsf/utils';
import type { FieldIssue } from '../../../workflows/model/errors';

export function errorSchemaFromIssues(issues: readonly FieldIssue[], message: (serverText: string) => string = (m) => m): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const issue of issues) {
    // the task API may prefix the body field that carried the data
    const segs = issue.path === '(root)' ? [] : issue.path.replace(/^data(\.|$)/, '').split('.').filter(Boolean);
    let node = root;
    for (const s of segs) node = (node[s] ??= {}) as Record<string, unknown>;
    ((node.__errors ??= []) as string[]).push(message(issue.message));
  }
  return root as ErrorSchema;
}
