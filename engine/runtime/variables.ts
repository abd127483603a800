import { ValidationError, type FieldIssue } from '../../workflows/model/errors';

const MAX_VARIABLES_BYTES = 256 * 1024;
/** names bpmn-engine merges into process variables from its run message */
const RESERVED_VARIABLES = ['fields', 'content', 'properties'];

/** variables from outside: a JSON object, bounded, without the engine's reserved names */
export function checkVariables(vars: unknown, path = 'variables'): Record<string, unknown> {
  if (vars === undefined || vars === null) return {};
  if (typeof vars !== 'object' || Array.isArray(vars)) throw new ValidationError('Variables must be a JSON object', [{ path, message: 'must be an object' }]);
  const issues: FieldIssue[] = [];
  for (const k of Object.keys(vars)) {
    if (RESERVED_VARIABLES.includes(k)) issues.push({ path: `${path}.${k}`, message: 'is a reserved name' });
    else if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)) issues.push({ path: `${path}.${k}`, message: 'a variable name has letters, digits and _ only' });
  }
  if (issues.length) throw new ValidationError('Some variable names are not allowed', issues);
  if (Buffer.byteLength(JSON.stringify(vars)) > MAX_VARIABLES_BYTES) throw new ValidationError('Variables are too large', [{ path, message: `at most ${MAX_VARIABLES_BYTES / 1024} KB` }]);
  return vars as Record<string, unknown>;
}

