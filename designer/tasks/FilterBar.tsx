/** The inbox's filter row: order fields, amount range, priority and due; save and delete named filters. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { channelLabel } from './parts';
import { EMPTY_FILTER, isEmptyFilter, type DueFilter, type SavedFilter, type TaskFilter } from './filters';

const DUE: DueFilter[] = ['', 'overdue', 'today', 'soon', 'none'];

export function FilterBar(props: {
  filter: TaskFilter;
  options: { channel: string[]; warehouse: string[] };
  saved: SavedFilter[];
  onChange(f: TaskFilter): void;
  onSave(name: string): void;
  onDelete(name: string): void;
}) {
  const { t } = useTranslation('tasks');
  const { filter, onChange } = props;
  const [name, setName] = useState('');
  const set = (k: keyof TaskFilter) => (e: { target: { value: string } }) => onChange({ ...filter, [k]: e.target.value });
  const current = props.saved.find((s) => JSON.stringify(s.filter) === JSON.stringify(filter));

  return (
    <div className="filter-bar" role="group" aria-label={t('filters.title')}>
      <label className="filter-field">
        <span>{t('columns.channel')}</span>
        <select value={filter.channel} onChange={set('channel')}>
          <option value="">{t('filters.any')}</option>
          {props.options.channel.map((c) => (
            <option key={c} value={c}>
              {channelLabel(t, c)}
            </option>
          ))}
        </select>
      </label>
      <label className="filter-field">
        <span>{t('columns.customer')}</span>
        <input value={filter.customer} onChange={set('customer')} />
      </label>
      <label className="filter-field filter-amount">
        <span>{t('filters.minAmount')}</span>
        <input inputMode="decimal" value={filter.minAmount} onChange={set('minAmount')} />
      </label>
      <label className="filter-field filter-amount">
        <span>{t('filters.maxAmount')}</span>
        <input inputMode="decimal" value={filter.maxAmount} onChange={set('maxAmount')} />
      </label>
      <label className="filter-field">
        <span>{t('columns.warehouse')}</span>
        <select value={filter.warehouse} onChange={set('warehouse')}>
          <option value="">{t('filters.any')}</option>
          {props.options.warehouse.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
      </label>
      <label className="filter-field">
        <span>{t('columns.sku')}</span>
        <input value={filter.sku} onChange={set('sku')} />
      </label>
      <label className="filter-field">
        <span>{t('columns.priority')}</span>
        <select value={filter.minPriority} onChange={set('minPriority')}>
          <option value="">{t('filters.any')}</option>
          <option value="80">{t('filters.atLeast', { band: t('priority.urgent') })}</option>
          <option value="60">{t('filters.atLeast', { band: t('priority.high') })}</option>
          <option value="40">{t('filters.atLeast', { band: t('priority.normal') })}</option>
        </select>
      </label>
      <label className="filter-field">
        <span>{t('columns.due')}</span>
        <select value={filter.due} onChange={set('due')}>
          {DUE.map((d) => (
            <option key={d} value={d}>
              {d ? t(`filters.due.${d}`) : t('filters.any')}
            </option>
          ))}
        </select>
      </label>
      <label className="filter-field">
        <span>{t('filters.escalation')}</span>
        <select value={filter.escalation} onChange={set('escalation')}>
          <option value="">{t('filters.any')}</option>
          <option value="escalated">{t('filters.escalated')}</option>
        </select>
      </label>
      <div className="filter-actions">
        <form
          className="filter-save"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) props.onSave(name);
            setName('');
          }}
        >
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('filters.namePlaceholder')} aria-label={t('filters.name')} maxLength={60} />
          <button type="submit" className="btn btn-small" disabled={!name.trim() || isEmptyFilter(filter)}>
            {t('filters.save')}
          </button>
        </form>
        {current ? (
          <button type="button" className="btn btn-small btn-danger" onClick={() => props.onDelete(current.name)}>
            {t('filters.delete', { name: current.name })}
          </button>
        ) : null}
        <button type="button" className="btn btn-small" disabled={isEmptyFilter(filter)} onClick={() => onChange(EMPTY_FILTER)}>
          {t('filters.clear')}
        </button>
      </div>
    </div>
  );
}
