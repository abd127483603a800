/**
 * Secrets by reference: connector settings and inputs say `{{secrets.NAME}}` (or
 * `{{secrets.NAME.field}}` for a credential with several fields); the value is looked up only at
 * execution, and every value looked up is masked in whatever leaves the call (errors, logs, traces).
 */
import { ConnectorError } from './errors';

/** Where secret values come from (the server implements it over encrypted credentials). */
export interface SecretsPort {
  /** the decrypted fields of the credential, or undefined when no credential has that name */
  get(name: string): Promise<Readonly<Record<string, string>> | undefined>;
}

export const SECRET_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const REF = /\{\{\s*secrets\.([A-Za-z0-9_-]{1,64})(?:\.([A-Za-z0-9_-]{1,64}))?\s*\}\}/g;
export const MASK = '****';

export interface SecretRef {
  name: string;
  field?: string;
}

/** Every secret reference inside a value (strings, arrays, objects). */
export function findSecretRefs(value: unknown, into: SecretRef[] = []): SecretRef[] {
  if (typeof value === 'string') {
    for (const m of value.matchAll(REF)) into.push({ name: m[1], field: m[2] });
  } else if (Array.isArray(value)) {
    for (const v of value) findSecretRefs(v, into);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) findSecretRefs(v, into);
  }
  return into;
}

/** true when the string is nothing but one secret reference (how secret-bearing fields must be written) */
export const isSecretRef = (value: string): boolean => new RegExp(`^${REF.source}$`).test(value.trim());

/** Collects the secret values of one call and replaces them wherever they would leak. */
export class SecretMasker {
  private values: string[] = [];

  add(value: string | undefined): void {
    if (!value || this.values.includes(value)) return;
    this.values.push(value);
    // longest first, so a secret that contains another is masked whole
    this.values.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.values.length;
  }

  mask(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(MASK);
    return out;
  }

  maskDeep<T>(value: T): T {
    if (this.values.length === 0) return value;
    return mapStrings(value, (s) => this.mask(s)) as T;
  }
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}

function pickField(fields: Readonly<Record<string, string>>, ref: SecretRef): string | undefined {
  if (ref.field) return fields[ref.field];
  if ('value' in fields) return fields.value;
  const keys = Object.keys(fields);
  return keys.length === 1 ? fields[keys[0]] : undefined;
}

/**
 * Replaces every `{{secrets.…}}` in the value with the secret, registering each with the masker.
 * An unknown secret is a configuration fault: not retryable, and the message names only the reference.
 */
export async function resolveSecrets<T>(value: T, port: SecretsPort, masker: SecretMasker): Promise<T> {
  const refs = findSecretRefs(value);
  if (refs.length === 0) return value;
  const resolved = new Map<string, string>();
  for (const ref of refs) {
    const key = ref.field ? `${ref.name}.${ref.field}` : ref.name;
    if (resolved.has(key)) continue;
    const fields = await port.get(ref.name);
    if (!fields) throw new ConnectorError(`The secret "${ref.name}" is not defined; create a credential with that name`, { retryable: false });
    const secret = pickField(fields, ref);
    if (secret === undefined) {
      throw new ConnectorError(`The secret reference {{secrets.${key}}} names no field of credential "${ref.name}"`, { retryable: false });
    }
    masker.add(secret);
    resolved.set(key, secret);
  }
  return mapStrings(value, (s) => s.replace(REF, (_m, name: string, field?: string) => resolved.get(field ? `${name}.${field}` : name) ?? '')) as T;
}
