/** The capacity Ordo keeps for the board: per warehouse (orders per day) and per production line (units per day). */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CapacitySettings } from '../../server/contracts/scheduling';
import { api } from '../app/api';
import { fieldError } from '../app/errors';
import { useLoad } from '../app/use-load';
import { ErrorBanner, Field, Notice } from '../app/ui';
import { useFormat } from '../i18n/format';

type Stored = CapacitySettings & { updatedAt?: string; updatedBy?: string };
type Rows = Array<{ code: string; value: string }>;
const rowsOf = (r: Record<string, number>): Rows => Object.entries(r).map(([code, v]) => ({ code, value: String(v) }));
const recordOf = (rows: Rows) => Object.fromEntries(rows.filter((r) => r.code.trim()).map((r) => [r.code.trim(), r.value === '' ? Number.NaN : Number(r.value)]));

function CodeTable({ title, group, rows, setRows, error, canEdit }: { title: string; group: 'warehouses' | 'productionLines'; rows: Rows; setRows(r: Rows): void; error: unknown; canEdit: boolean }) {
  const { t } = useTranslation('scheduling');
  const set = (i: number, patch: Partial<Rows[number]>) => setRows(rows.map((r, j) => (i === j ? { ...r, ...patch } : r)));
  return (
    <fieldset className="schedule-capacity-group" data-group={group}>
      <legend>{title}</legend>
      {rows.map((r, i) => (
        <div key={i} className="schedule-capacity-row">
          <Field label={t('capacity.newCode')}>{(id) => <input id={id} value={r.code} disabled={!canEdit} maxLength={100} onChange={(e) => set(i, { code: e.target.value })} />}</Field>
          <Field label={r.code || t('capacity.newCode')} error={fieldError(error, `${group}.${r.code.trim()}`)}>
            {(id, describedBy) => <input id={id} type="number" min={0} step={1} value={r.value} disabled={!canEdit} aria-describedby={describedBy} onChange={(e) => set(i, { value: e.target.value })} />}
          </Field>
          {canEdit ? (
            <button type="button" className="btn btn-small" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
              {t('capacity.remove')}
            </button>
          ) : null}
        </div>
      ))}
      {canEdit ? (
        <button type="button" className="btn btn-small" onClick={() => setRows([...rows, { code: '', value: '' }])}>
          {t('capacity.add')}
        </button>
      ) : null}
    </fieldset>
  );
}

export function CapacityEditor({ canEdit, onSaved }: { canEdit: boolean; onSaved(): void }) {
  const { t } = useTranslation('scheduling');
  const f = useFormat();
  const { data, error: loadError, reload } = useLoad(() => api.get<Stored>('/api/scheduling/capacity'));
  const [warehouses, setWarehouses] = useState<Rows>([]);
  const [lines, setLines] = useState<Rows>([]);
  const [defaults, setDefaults] = useState({ warehouse: '', line: '' });
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!data) return;
    setWarehouses(rowsOf(data.warehouses));
    setLines(rowsOf(data.productionLines));
    setDefaults({ warehouse: String(data.defaultWarehouse), line: String(data.defaultProductionLine) });
  }, [data]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await api.put('/api/scheduling/capacity', { warehouses: recordOf(warehouses), productionLines: recordOf(lines), defaultWarehouse: Number(defaults.warehouse), defaultProductionLine: Number(defaults.line) });
      setSaved(true);
      reload();
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <details className="schedule-capacity">
      <summary className="section-title">{t('capacity.title')}</summary>
      <p className="muted">{t('capacity.intro')}</p>
      {data?.updatedBy && data.updatedAt ? <p className="muted">{t('capacity.updated', { who: data.updatedBy, when: f.dateTime(data.updatedAt) })}</p> : null}
      <ErrorBanner error={loadError ?? error} />
      {saved ? <Notice onDismiss={() => setSaved(false)}>{t('capacity.saved')}</Notice> : null}
      <form onSubmit={submit}>
        <div className="schedule-capacity-groups">
          <CodeTable title={t('capacity.warehouses')} group="warehouses" rows={warehouses} setRows={setWarehouses} error={error} canEdit={canEdit} />
          <CodeTable title={t('capacity.lines')} group="productionLines" rows={lines} setRows={setLines} error={error} canEdit={canEdit} />
        </div>
        <div className="schedule-capacity-row">
          <Field label={t('capacity.defaultWarehouse')} error={fieldError(error, 'defaultWarehouse')}>
            {(id) => <input id={id} type="number" min={0} step={1} value={defaults.warehouse} disabled={!canEdit} onChange={(e) => setDefaults({ ...defaults, warehouse: e.target.value })} />}
          </Field>
          <Field label={t('capacity.defaultLine')} error={fieldError(error, 'defaultProductionLine')}>
            {(id) => <input id={id} type="number" min={0} step={1} value={defaults.line} disabled={!canEdit} onChange={(e) => setDefaults({ ...defaults, line: e.target.value })} />}
          </Field>
        </div>
        {canEdit ? (
          <button type="submit" className="btn btn-primary">
            {t('capacity.save')}
          </button>
        ) : null}
      </form>
    </details>
  );
}
