/**
 * What the API docs page shows, computed from the server's OpenAPI 3.1 document: operations
 * grouped by tag, a readable outline of each JSON Schema, and an example curl line with a sample
 * body built from the request schema. Pure functions (no DOM), unit-tested beside this file.
 */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
  format?: string;
  pattern?: string;
  default?: unknown;
  minimum?: number;
  $ref?: string;
  additionalProperties?: boolean | JsonSchema;
  [key: string]: unknown;
};

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}

export interface OpenApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  'x-permission'?: string;
  'x-access'?: 'public' | 'authenticated' | 'user' | 'permission';
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
}

export interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: Array<{ name: string }>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface OperationRow {
  method: string;
  path: string;
  op: OpenApiOperation;
}

const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

/** Operations by tag (tags in alphabetical order, operations by path then method). */
export function groupByTag(doc: OpenApiDoc, filter = ''): Array<{ tag: string; operations: OperationRow[] }> {
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, OperationRow[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHOD_ORDER.includes(method)) continue;
      const haystack = `${method} ${path} ${op.summary ?? ''} ${op['x-permission'] ?? ''} ${(op.tags ?? []).join(' ')}`.toLowerCase();
      if (needle && !haystack.includes(needle)) continue;
      const tag = op.tags?.[0] ?? 'other';
      groups.set(tag, [...(groups.get(tag) ?? []), { method, path, op }]);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tag, operations]) => ({ tag, operations: operations.sort((a, b) => a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method)) }));
}

/** Follows a local `#/components/...` reference. */
export function resolve(doc: OpenApiDoc, schema: JsonSchema | undefined): JsonSchema | undefined {
  let cur = schema;
  for (let i = 0; cur?.$ref && i < 10; i++) {
    const path = cur.$ref.replace(/^#\//, '').split('/');
    cur = path.reduce<unknown>((acc, p) => (acc as Record<string, unknown> | undefined)?.[p], doc) as JsonSchema | undefined;
  }
  return cur;
}

/** A short type name: "string", "integer", "object", "array", "string | null", "enum". */
export function typeName(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (schema.type) return schema.format ? `${schema.type} (${schema.format})` : schema.type;
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map(typeName).filter(Boolean).join(' | ');
  return '';
}

/** A believable value for a schema (examples in curl lines): defaults, enums, then by type. */
export function sampleOf(doc: OpenApiDoc, input: JsonSchema | undefined, depth = 0): unknown {
  const schema = resolve(doc, input);
  if (!schema || depth > 6) return null;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const union = schema.oneOf ?? schema.anyOf;
  if (union?.length) return sampleOf(doc, union.find((s) => s.type !== 'null') ?? union[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [name, prop] of Object.entries(schema.properties ?? {})) if (required.has(name)) out[name] = sampleOf(doc, prop, depth + 1);
      return out;
    }
    case 'array':
      return schema.items ? [sampleOf(doc, schema.items, depth + 1)] : [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      return schema.format === 'date-time' ? '2026-01-31T09:00:00Z' : schema.format === 'date' ? '2026-01-31' : schema.format === 'email' ? 'someone@example.com' : 'string';
    default:
      return type === undefined ? {} : null;
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * An example call: the method, the URL (path parameters left as {name}, required query
 * parameters with a sample), the API key from $ORDO_API_KEY, and a sample JSON body.
 */
export function curlFor(doc: OpenApiDoc, row: OperationRow, baseUrl: string): string {
  const { method, path, op } = row;
  const query = (op.parameters ?? [])
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(String(sampleOf(doc, p.schema)))}`)
    .join('&');
  const url = `${baseUrl.replace(/\/$/, '')}${path}${query ? `?${query}` : ''}`;
  const parts = ['curl', ...(method === 'get' ? [] : ['-X', method.toUpperCase()]), shellQuote(url)];
  if (op['x-access'] !== 'public') parts.push('-H', '"Authorization: Bearer $ORDO_API_KEY"');
  const body = op.requestBody?.content?.['application/json']?.schema;
  if (body) parts.push('-H', shellQuote('Content-Type: application/json'), '-d', shellQuote(JSON.stringify(sampleOf(doc, body))));
  return parts.join(' ');
}

/** One line of a schema outline: a property path, its type, whether required, its description. */
export interface OutlineRow {
  depth: number;
  name: string;
  type: string;
  required: boolean;
  description?: string;
}

/** Flattens a schema into indented rows (objects and arrays of objects open up; at most `limit` rows). */
export function outline(doc: OpenApiDoc, input: JsonSchema | undefined, limit = 80): { rows: OutlineRow[]; more: number } {
  const rows: OutlineRow[] = [];
  let more = 0;
  const walk = (schema: JsonSchema | undefined, depth: number) => {
    const s = resolve(doc, schema);
    if (!s || depth > 5) return;
    const target = s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array')) ? resolve(doc, s.items) : s;
    if (!target?.properties) return;
    const required = new Set(target.required ?? []);
    for (const [name, prop] of Object.entries(target.properties)) {
      if (rows.length >= limit) {
        more++;
        continue;
      }
      const p = resolve(doc, prop);
      const item = p?.type === 'array' ? resolve(doc, p.items) : undefined;
      rows.push({ depth, name, type: p?.type === 'array' ? `${typeName(item) || 'any'}[]` : typeName(p), required: required.has(name), ...(p?.description ? { description: p.description } : {}) });
      walk(p, depth + 1);
    }
  };
  walk(input, 0);
  return { rows, more };
}
