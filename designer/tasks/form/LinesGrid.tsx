/**
 * An rjsf field that edits an array of flat objects (order lines) as a grid: one row per line, one
 * column per property, errors under the cell. Used automatically for arrays of objects (withGrids)
 * unless the form's UI schema names another field.
 */
import type { ErrorSchema, FieldProps, RJSFSchema, UiSchema } from '@rjsf/utils';
import { useTranslation } from 'react-i18next';

type Row = Record<string, unknown>;
type Props = Record<string, RJSFSchema>;

const isObjectArray = (s: RJSFSchema | undefined) =>
  !!s && s.type === 'array' && typeof s.items === 'object' && !Array.isArray(s.items) && (s.items as RJSFSchema).type === 'object' && !!(s.items as RJSFSchema).properties;

/** Adds `ui:field: linesGrid` to every array of objects the UI schema leaves to rjsf's default. */
export function withGrids(schema: RJSFSchema, ui: UiSchema = {}): UiSchema {
  const out: UiSchema = { ...ui };
  for (const [key, prop] of Object.entries((schema.properties ?? {}) as Props)) {
    const own = (ui[key] ?? {}) as UiSchema;
    if (isObjectArray(prop) && !own['ui:field'] && !own['ui:widget']) out[key] = { ...own, 'ui:field': 'linesGrid' };
    else if (prop.type === 'object' && prop.properties) out[key] = withGrids(prop, own);
  }
  return out;
}

function columnsOf(items: RJSFSchema, ui: UiSchema | undefined): string[] {
  const keys = Object.keys((items.properties ?? {}) as Props);
  const order = (ui?.['ui:order'] as string[] | undefined) ?? [];
  return [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k))];
}

function parseCell(prop: RJSFSchema, raw: string): unknown {
  if (raw === '') return undefined;
  if (prop.type === 'number' || prop.type === 'integer') {
    const n = Number(raw);
    return Number.isNaN(n) ? raw : n;
  }
  return raw;
}

export function LinesGrid(props: FieldProps) {
  const { t } = useTranslation('tasks');
  const { schema, uiSchema, formData, onChange, errorSchema, disabled, readonly, fieldPathId, name } = props;
  const items = schema.items as RJSFSchema;
  const columns = columnsOf(items, uiSchema?.items as UiSchema | undefined);
  const rows: Row[] = Array.isArray(formData) ? (formData as Row[]) : [];
  const required = new Set(items.required ?? []);
  const options = (uiSchema?.['ui:options'] ?? {}) as { addable?: boolean; removable?: boolean };
  const locked = disabled || readonly;
  const canAdd = !locked && options.addable !== false && (schema.maxItems === undefined || rows.length < schema.maxItems);
  const canRemove = !locked && options.removable !== false;
  const errors = (errorSchema ?? {}) as ErrorSchema & Record<number, Record<string, { __errors?: string[] }>>;
  const title = (uiSchema?.['ui:title'] as string | undefined) ?? schema.title ?? name;
  const itemUi = (uiSchema?.items ?? {}) as Record<string, UiSchema | undefined>;
  // column titles in the reader's language (localizeForm puts them in the UI schema)
  const colTitle = (c: string) => (itemUi[c]?.['ui:title'] as string | undefined) ?? (items.properties as Props)[c].title ?? c;

  const update = (next: Row[]) => onChange(next, fieldPathId.path);
  const setCell = (i: number, key: string, value: unknown) => {
    const next = rows.map((r, j) => (j === i ? { ...r, [key]: value } : r));
    for (const r of next) if (r[key] === undefined) delete r[key];
    update(next);
  };

  return (
    <fieldset className="lines-grid" id={fieldPathId.$id}>
      <legend>{title}</legend>
      {errors.__errors?.length ? <div className="field-error">{errors.__errors.join(' ')}</div> : null}
      <table className="table grid-table">
        <thead>
          <tr>
            <th className="grid-no">#</th>
            {columns.map((c) => {
              const p = (items.properties as Props)[c];
              return (
                <th key={c} className={p.type === 'number' || p.type === 'integer' ? 'num' : undefined}>
                  {colTitle(c)}
                  {required.has(c) ? <span className="req">*</span> : null}
                </th>
              );
            })}
            {canRemove ? <th className="col-actions" /> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <td className="grid-no muted">{i + 1}</td>
              {columns.map((c) => {
                const p = (items.properties as Props)[c];
                const cellErrors = errors[i]?.[c]?.__errors;
                const id = `${fieldPathId.$id}_${i}_${c}`;
                const label = `${colTitle(c)} ${i + 1}`;
                const ro = locked || p.readOnly === true;
                const value = row[c];
                let input;
                if (p.type === 'boolean') {
                  input = <input id={id} type="checkbox" aria-label={label} checked={value === true} disabled={ro} onChange={(e) => setCell(i, c, e.target.checked)} />;
                } else if (Array.isArray(p.enum)) {
                  input = (
                    <select id={id} aria-label={label} value={value === undefined ? '' : String(value)} disabled={ro} onChange={(e) => setCell(i, c, e.target.value === '' ? undefined : p.enum![Number(e.target.selectedIndex) - 1])}>
                      <option value="" />
                      {p.enum.map((o) => (
                        <option key={String(o)} value={String(o)}>
                          {String(o)}
                        </option>
                      ))}
                    </select>
                  );
                } else if (ro) {
                  input = <span className="grid-ro">{value === undefined ? '—' : String(value)}</span>;
                } else {
                  const numeric = p.type === 'number' || p.type === 'integer';
                  input = (
                    <input
                      id={id}
                      aria-label={label}
                      aria-invalid={cellErrors?.length ? true : undefined}
                      className={numeric ? 'num' : undefined}
                      inputMode={numeric ? 'decimal' : undefined}
                      value={value === undefined || value === null ? '' : String(value)}
                      onChange={(e) => setCell(i, c, parseCell(p, e.target.value))}
                    />
                  );
                }
                return (
                  <td key={c} className={cellErrors?.length ? 'cell-invalid' : undefined}>
                    {input}
                    {cellErrors?.length ? <div className="field-error">{cellErrors.join(' ')}</div> : null}
                  </td>
                );
              })}
              {canRemove ? (
                <td className="col-actions">
                  <button type="button" className="btn btn-small btn-danger" onClick={() => update(rows.filter((_, j) => j !== i))} aria-label={t('form.removeLine', { n: i + 1 })}>
                    ×
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
          {!rows.length ? (
            <tr>
              <td colSpan={columns.length + 2} className="muted">
                {t('form.noLines')}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {canAdd ? (
        <button type="button" className="btn btn-small grid-add" onClick={() => update([...rows, {}])}>
          {t('form.addLine')}
        </button>
      ) : null}
    </fieldset>
  );
}
