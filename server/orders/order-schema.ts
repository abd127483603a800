/**
 * The order intake contract: workflows/schemas/order.schema.json (user-facing content, JSON Schema
 * 2020-12) compiled once with ajv. Every failing field is reported with a dotted path.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ErrorObject } from 'ajv';
import orderSchema from '../../workflows/schemas/order.schema.json';
import type { FieldIssue } from '../../workflows/model/errors';
import type { OrderInput } from '../../workflows/model/order';

export const ORDER_SCHEMA = orderSchema as Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
addFormats(ajv, ['email', 'date', 'date-time', 'uri']);
const validate = ajv.compile<OrderInput>(ORDER_SCHEMA);

function pathOf(e: ErrorObject): string {
  const base = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') base.push(String((e.params as { missingProperty: string }).missingProperty));
  if (e.keyword === 'additionalProperties') base.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return base.join('.') || '(root)';
}

function messageOf(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return 'is not a field of the order schema';
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
    return allowed.length > 12 ? 'is not an allowed code' : `must be one of ${allowed.join(', ')}`;
  }
  return e.message ?? 'is invalid';
}

/** Validates (and fills defaults into) a normalised input; returns every failing field. */
export function validateOrderInput(input: unknown): { ok: true; value: OrderInput } | { ok: false; issues: FieldIssue[] } {
  if (validate(input)) return { ok: true, value: input };
  const seen = new Set<string>();
  const issues: FieldIssue[] = [];
  for (const e of validate.errors ?? []) {
    const issue = { path: pathOf(e), message: messageOf(e) };
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return { ok: false, issues };
}
