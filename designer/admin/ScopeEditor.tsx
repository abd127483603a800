/**
 * A user's record scope (SECURITY.md, "Record scopes"): the channels and warehouses whose orders
 * they may see. Empty lists mean all orders. The server enforces it everywhere; this only edits it.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CHANNELS } from '../../workflows/model/order';
import type { RecordScopeDto } from '../../server/contracts/auth';
import { registerMessages } from '../i18n';
import orderMessages from '../orders/i18n';

// channel names come from the orders texts
registerMessages(orderMessages);

export const NO_SCOPE: RecordScopeDto = { channels: [], warehouses: [] };

/** "DE-1, NL-1" → ['DE-1', 'NL-1'] (trimmed, empty parts and repeats dropped). */
export function parseWarehouses(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((w) => w.trim())
        .filter(Boolean),
    ),
  ];
}

export function ScopeSummary({ scope }: { scope: RecordScopeDto }) {
  const { t } = useTranslation('admin');
  if (!scope.channels.length && !scope.warehouses.length) return <span className="muted">{t('users.scopeAll')}</span>;
  return (
    <span className="scope-summary">
      {scope.channels.length ? (
        <span>
          {t('users.scopeChannels')}: {scope.channels.map((c) => t(`orders:channel.${c}`)).join(', ')}
        </span>
      ) : null}
      {scope.channels.length && scope.warehouses.length ? ' · ' : null}
      {scope.warehouses.length ? (
        <span>
          {t('users.scopeWarehouses')}: {scope.warehouses.join(', ')}
        </span>
      ) : null}
    </span>
  );
}

/** Channel check boxes and a warehouse list; `warehousesText` is kept as typed until saved. */
export function ScopeFields({
  channels,
  warehousesText,
  onChange,
  error,
  hint,
}: {
  channels: readonly string[];
  warehousesText: string;
  onChange: (next: { channels: string[]; warehousesText: string }) => void;
  error?: string;
  /** what the scope limits (a person by default) */
  hint?: string;
}) {
  const { t } = useTranslation('admin');
  const id = useId();
  const toggle = (c: string, on: boolean) => onChange({ channels: on ? CHANNELS.filter((x) => x === c || channels.includes(x)) : channels.filter((x) => x !== c), warehousesText });
  return (
    <fieldset className={error ? 'scopes scope-fields field-invalid' : 'scopes scope-fields'}>
      <legend>{t('users.scope')}</legend>
      <div className="field-hint">{hint ?? t('users.scopeHint')}</div>
      <div className="scope-channels" role="group" aria-label={t('users.scopeChannels')}>
        <span className="scope-channels-title">{t('users.scopeChannels')}</span>
        {CHANNELS.map((c) => (
          <label key={c} className="check">
            <input type="checkbox" value={c} checked={channels.includes(c)} onChange={(e) => toggle(c, e.target.checked)} />
            <span>{t(`orders:channel.${c}`)}</span>
          </label>
        ))}
      </div>
      <label htmlFor={`${id}-wh`}>{t('users.scopeWarehouses')}</label>
      <input id={`${id}-wh`} aria-describedby={`${id}-wh-note`} value={warehousesText} placeholder="DE-1, NL-1" onChange={(e) => onChange({ channels: [...channels], warehousesText: e.target.value })} autoComplete="off" />
      <div id={`${id}-wh-note`} className={error ? 'field-error' : 'field-hint'}>
        {error ?? t('users.scopeWarehousesHint')}
      </div>
    </fieldset>
  );
}

/** The table cell: the summary, and for admins an inline editor that saves with one request. */
export function ScopeCell({ name, scope, manage, busy, onSave }: { name: string; scope: RecordScopeDto; manage: boolean; busy: boolean; onSave: (scope: RecordScopeDto) => Promise<boolean> }) {
  const { t } = useTranslation('admin');
  const [editing, setEditing] = useState<{ channels: string[]; warehousesText: string }>();
  if (!editing) {
    return (
      <div className="scope-cell">
        <ScopeSummary scope={scope} />
        {manage ? (
          <button type="button" className="link-button" disabled={busy} aria-label={t('users.scopeEditOf', { name })} onClick={() => setEditing({ channels: [...scope.channels], warehousesText: scope.warehouses.join(', ') })}>
            {t('users.scopeEdit')}
          </button>
        ) : null}
      </div>
    );
  }
  return (
    <form
      className="scope-cell scope-cell-editing"
      aria-label={t('users.scopeEditOf', { name })}
      onSubmit={(e) => {
        e.preventDefault();
        void onSave({ channels: editing.channels, warehouses: parseWarehouses(editing.warehousesText) }).then((ok) => ok && setEditing(undefined));
      }}
    >
      <ScopeFields channels={editing.channels} warehousesText={editing.warehousesText} onChange={setEditing} />
      <div className="form-actions">
        <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
          {t('users.scopeSave')}
        </button>
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => setEditing(undefined)}>
          {t('common:actions.cancel')}
        </button>
      </div>
    </form>
  );
}
