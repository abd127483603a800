/**
 * rjsf support for forms generated from the server's JSON Schemas. The page's CSP forbids
 * compiling validators in the browser, and the server validates every save with the same schema
 * anyway, so the form's validator only tells oneOf/anyOf options apart (by their `const`
 * discriminators and required fields); the server's field errors come back as an ErrorSchema.
 */
import type { ErrorSchema, RJSFSchema, ValidatorType } from '@rjsf/utils';
import type { FieldIssue } from '../../workflows/model/errors';

type Obj = Record<string, unknown>;

function resolve(schema: Obj, root: Obj): Obj {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  return ref
    .slice(2)
    .split('/')
    .reduce<Obj>((acc, p) => (acc?.[p] as Obj) ?? {}, root);
}

function matches(schema: Obj, data: unknown, root: Obj): boolean {
  const s = resolve(schema, root);
  if ('const' in s) return s.const === data;
  if (Array.isArray(s.enum)) return s.enum.includes(data);
  if (Array.isArray(s.oneOf) || Array.isArray(s.anyOf)) return ((s.oneOf ?? s.anyOf) as Obj[]).some((o) => matches(o, data, root));
  const type = s.type;
  if (type === 'object' || s.properties) {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
    const d = data as Obj;
    for (const key of (s.required as string[] | undefined) ?? []) if (d[key] === undefined) return false;
    for (const [key, sub] of Object.entries((s.properties as Record<string, Obj>) ?? {})) {
      const subSchema = resolve(sub, root);
      if ('const' in subSchema && d[key] !== undefined && d[key] !== subSchema.const) return false;
    }
    return true;
  }
  if (type === 'array') return Array.isArray(data);
  if (type === 'string') return typeof data === 'string';
  if (type === 'number' || type === 'integer') return typeof data === 'number';
  if (type === 'boolean') return typeof data === 'boolean';
  return true;
}

export const discriminatingValidator: ValidatorType = {
  validateFormData: () => ({ errors: [], errorSchema: {} }),
  isValid: (schema, formData, rootSchema) => matches(schema as Obj, formData, rootSchema as Obj),
  rawValidation: () => ({ errors: [] }),
};

/** JSON Schema from the server, minus the draft marker rjsf does not need. */
export function formSchema(schema: Obj): RJSFSchema {
  const { $schema: _drop, ...rest } = schema;
  return rest as RJSFSchema;
}

/** The server's field issues (dotted paths, maybe prefixed) as an rjsf ErrorSchema. */
export function errorSchemaFromIssues(issues: readonly FieldIssue[], prefix?: string): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const issue of issues) {
    let path = issue.path === '(root)' ? '' : issue.path;
    if (prefix && path.startsWith(`${prefix}.`)) path = path.slice(prefix.length + 1);
    let node = root;
    for (const seg of path.split('.').filter(Boolean)) node = (node[seg] ??= {}) as Record<string, unknown>;
    ((node.__errors ??= []) as string[]).push(issue.message);
  }
  return root as ErrorSchema;
}
