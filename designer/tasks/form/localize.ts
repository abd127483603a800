/**
 * A task form in the reader's language: the form's `translations[lang]` laid over its UI schema as
 * `ui:title` / `ui:description` / `ui:enumNames`. The JSON Schema itself stays as deployed, because the CSP-safe
 * precompiled validator refuses any schema but the one it was compiled from.
 */
import type { TaskFormView } from '../../../workflows/bpmn/views';

type Ui = Record<string, unknown>;

/** The UI schema node of a dotted field path; array fields are entered through `items`. */
function nodeAt(ui: Ui, schema: Record<string, unknown>, path: string[]): Ui | undefined {
  let u = ui;
  let s: Record<string, unknown> | undefined = schema;
  for (const seg of path) {
    if (!s) return undefined;
    if (s.type === 'array' && s.items) {
      u = (u.items ??= {}) as Ui;
      s = s.items as Record<string, unknown>;
    }
    const props = s.properties as Record<string, Record<string, unknown>> | undefined;
    if (!props?.[seg]) return undefined;
    u = (u[seg] ??= {}) as Ui;
    s = props[seg];
  }
  return u;
}

export function localizeForm(form: TaskFormView, lang: string): { title?: string; uiSchema: Ui } {
  const uiSchema = structuredClone(form.uiSchema ?? {}) as Ui;
  const tr = form.translations?.[lang];
  if (!tr) return { title: form.title, uiSchema };
  for (const [path, texts] of Object.entries(tr.fields ?? {})) {
    const node = nodeAt(uiSchema, form.schema, path.split('.'));
    if (!node) continue;
    if (texts.title) node['ui:title'] = texts.title;
    if (texts.description) node['ui:description'] = texts.description;
    if (texts.enumNames) node['ui:enumNames'] = texts.enumNames;
  }
  return { title: tr.title ?? form.title, uiSchema };
}

/** Every titled field of a schema by dotted path (what a translation has to cover). */
export function titledFields(schema: Record<string, unknown>, prefix = ''): string[] {
  const s = schema.type === 'array' && schema.items ? (schema.items as Record<string, unknown>) : schema;
  const props = (s.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props).flatMap(([name, p]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    return [...(p.title ? [path] : []), ...titledFields(p, path)];
  });
}
