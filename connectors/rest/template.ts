/**
 * `{{input.x}}` templating for paths, query values, headers and JSON bodies. Deliberately
 * logic-free: a path into the scope, nothing else (mappings with logic are JSONata).
 */
const PLACEHOLDER = /\{\{\s*((?:input|call)(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;
const WHOLE = /^\{\{\s*((?:input|call)(?:\.[A-Za-z0-9_]+)*)\s*\}\}$/;

export interface TemplateScope {
  input: Record<string, unknown>;
  call: Record<string, unknown>;
}

function lookup(scope: TemplateScope, dotted: string): unknown {
  let cur: unknown = scope;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const asText = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function renderString(template: string, scope: TemplateScope, encode: (s: string) => string = (s) => s): string {
  return template.replace(PLACEHOLDER, (_m, p: string) => encode(asText(lookup(scope, p))));
}

/** A value that is one whole placeholder keeps the input's type (number, array, object). */
export function renderValue(template: string, scope: TemplateScope): unknown {
  const whole = WHOLE.exec(template);
  return whole ? lookup(scope, whole[1]) : renderString(template, scope);
}

export function renderJson(template: unknown, scope: TemplateScope): unknown {
  if (typeof template === 'string') return renderValue(template, scope);
  if (Array.isArray(template)) return template.map((t) => renderJson(t, scope) ?? null);
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      const r = renderJson(v, scope);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return template;
}

/** The input names a template refers to (to warn about undeclared inputs at save). */
export function referencedInputs(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((p) => p.startsWith('input.')).map((p) => p.split('.')[1]);
}
