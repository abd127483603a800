/**
 * Pre-fills REST connector operations from an OpenAPI 3 document: one operation per path and
 * method, inputs from its parameters and top-level JSON body properties, placeholders wired in.
 * The admin reviews and saves; nothing is stored by the import itself.
 */
import type { RestOperationInput } from './rest.types';

type Obj = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const inputType = (schema: Obj | undefined): RestOperationInput['inputs'][number]['type'] => {
  const t = Array.isArray(schema?.type) ? schema?.type.find((x: string) => x !== 'null') : schema?.type;
  return ['string', 'number', 'integer', 'boolean', 'object', 'array'].includes(t) ? t : 'string';
};

function resolveRef(doc: Obj, value: Obj | undefined): Obj | undefined {
  let cur = value;
  for (let i = 0; cur?.$ref && i < 10; i++) {
    const path = String(cur.$ref).replace(/^#\//, '').split('/');
    cur = path.reduce<Obj | undefined>((acc, p) => acc?.[p.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return cur;
}

function operationId(raw: string | undefined, method: string, path: string, used: Set<string>): string {
  let base = (raw ?? `${method}${path.replace(/\{([^}]+)\}/g, 'By_$1')}`)
    .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))
    .replace(/^[^A-Za-z]+/, '');
  base = (base.charAt(0).toLowerCase() + base.slice(1)).slice(0, 36) || 'operation';
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}${n}`;
  used.add(id);
  return id;
}

export interface ImportResult {
  title?: string;
  baseUrl?: string;
  operations: RestOperationInput[];
  warnings: string[];
}

export function importOpenApi(doc: Obj): ImportResult {
  if (typeof doc?.openapi !== 'string' || !doc.openapi.startsWith('3.')) throw new Error('not an OpenAPI 3 document (the "openapi" field must be 3.x)');
  const warnings: string[] = [];
  const used = new Set<string>();
  const operations: RestOperationInput[] = [];
  for (const [path, item] of Object.entries<Obj>(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method] as Obj | undefined;
      if (!op) continue;
      const id = operationId(op.operationId, method, path, used);
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Obj) => resolveRef(doc, p)).filter(Boolean) as Obj[];
      const inputs: RestOperationInput['inputs'] = [];
      const query: RestOperationInput['query'] = [];
      const headers: RestOperationInput['headers'] = [];
      let idempotencyHeader: string | undefined;
      const addInput = (name: string, schema: Obj | undefined, required: boolean, description?: string) => {
        const safe = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
        if (!inputs.some((i) => i.name === safe)) inputs.push({ name: safe, type: inputType(schema), required, ...(description ? { description } : {}), ...(Array.isArray(schema?.enum) ? { enum: schema.enum.map(String) } : {}) });
        return safe;
      };
      for (const p of params) {
        if (p.in === 'header' && /^idempotency-key$/i.test(p.name)) {
          idempotencyHeader = p.name;
          continue;
        }
        if (p.in === 'cookie') {
          warnings.push(`${id}: cookie parameter ${p.name} skipped`);
          continue;
        }
        const name = addInput(p.name, p.schema, p.in === 'path' || Boolean(p.required), p.description);
        if (p.in === 'query') query.push({ name: p.name, value: `{{input.${name}}}` });
        if (p.in === 'header') headers.push({ name: p.name, value: `{{input.${name}}}` });
      }
      const renderedPath = path.replace(/\{([^}]+)\}/g, (_m, n: string) => `{{input.${n.replace(/[^A-Za-z0-9_]/g, '_')}}}`);
      let body: string | undefined;
      const content = resolveRef(doc, op.requestBody)?.content as Obj | undefined;
      const schema = resolveRef(doc, content?.['application/json']?.schema);
      if (schema && method !== 'get' && method !== 'delete') {
        if (schema.type === 'object' && schema.properties) {
          const required = new Set<string>(schema.required ?? []);
          const template: Record<string, string> = {};
          for (const [prop, ps] of Object.entries<Obj>(schema.properties)) {
            const name = addInput(prop, resolveRef(doc, ps), required.has(prop), ps?.description);
            template[prop] = `{{input.${name}}}`;
          }
          body = JSON.stringify(template, null, 2);
        } else {
          const name = addInput('body', schema, true, 'request body');
          body = JSON.stringify(`{{input.${name}}}`);
        }
      } else if (content && !content['application/json']) {
        warnings.push(`${id}: only JSON request bodies are imported`);
      }
      operations.push({
        id,
        name: (op.summary as string | undefined)?.slice(0, 120) ?? id,
        ...(op.description ? { description: String(op.description).slice(0, 1000) } : {}),
        method: method.toUpperCase() as RestOperationInput['method'],
        path: renderedPath,
        query,
        headers,
        ...(body !== undefined ? { body } : {}),
        inputs,
        errorMapping: [],
        ...(idempotencyHeader ? { idempotencyHeader } : {}),
      });
    }
  }
  const server = Array.isArray(doc.servers) ? doc.servers[0]?.url : undefined;
  return { title: doc.info?.title, baseUrl: typeof server === 'string' && /^https?:\/\//.test(server) ? server : undefined, operations, warnings };
}
