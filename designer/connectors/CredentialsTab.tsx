/** Credentials: names, types, fields and who uses them. Values are written once and never read back. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorBanner, Loading } from '../app/ui';
import { ApiError } from '../app/api';
import { CREDENTIAL_FIELDS, CREDENTIAL_TYPES, connectorsApi } from './api';
import { useLoad } from '../app/use-load';

export function CredentialsTab() {
  const { t } = useTranslation('connectors');
  const { data, error, reload } = useLoad(connectorsApi.credentials);
  const [actionError, setActionError] = useState<unknown>();
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  return (
    <div>
      <p className="muted">{t('credentials.hint', { example: '{{secrets.NAME}}' })}</p>
      {actionError ? <ErrorBanner error={actionError} onDismiss={() => setActionError(undefined)} /> : null}
      {data.length === 0 ? (
        <p className="empty-state">{t('credentials.empty')}</p>
      ) : (
        <table className="table" data-testid="credentials">
          <thead>
            <tr>
              <th>{t('credentials.name')}</th>
              <th>{t('credentials.type')}</th>
              <th>{t('credentials.fields')}</th>
              <th>{t('credentials.usedBy')}</th>
              <th>{t('credentials.updated')}</th>
              <th className="col-actions" />
            </tr>
          </thead>
          <tbody>
            {data.map((c) => (
              <tr key={c.name}>
                <td>
                  <code>{c.name}</code>
                </td>
                <td>{t(`credentials.types.${c.type}`, { defaultValue: c.type })}</td>
                <td>{c.fields.join(', ')}</td>
                <td>{c.usedBy.length ? c.usedBy.map((u) => u.id).join(', ') : <span className="muted">{t('credentials.unused')}</span>}</td>
                <td>{new Date(c.updatedAt).toLocaleString()}</td>
                <td className="col-actions">
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    disabled={c.usedBy.length > 0}
                    onClick={async () => {
                      if (!window.confirm(t('credentials.deleteConfirm', { name: c.name }))) return;
                      try {
                        await connectorsApi.deleteCredential(c.name);
                        reload();
                      } catch (err) {
                        setActionError(err);
                      }
                    }}
                  >
                    {t('credentials.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <NewCredential onCreated={reload} />
    </div>
  );
}

function NewCredential({ onCreated }: { onCreated(): void }) {
  const { t } = useTranslation('connectors');
  const [name, setName] = useState('');
  const [type, setType] = useState<string>('apiKey');
  const [rows, setRows] = useState<Array<{ field: string; value: string }>>(CREDENTIAL_FIELDS.apiKey.map((f) => ({ field: f, value: '' })));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const issue = (path: string) => (error instanceof ApiError ? error.fieldMessage(path) : undefined);
  return (
    <form
      className="form-card"
      aria-label={t('credentials.new')}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await connectorsApi.createCredential({ name, type, values: Object.fromEntries(rows.filter((r) => r.field).map((r) => [r.field, r.value])) });
          setName('');
          setRows(CREDENTIAL_FIELDS[type].map((f) => ({ field: f, value: '' })));
          onCreated();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 className="section-title">{t('credentials.new')}</h2>
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      <label className="field">
        <span>{t('credentials.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} aria-invalid={Boolean(issue('name'))} />
        {issue('name') ? <span className="field-error">{issue('name')}</span> : null}
      </label>
      <label className="field">
        <span>{t('credentials.type')}</span>
        <select
          value={type}
          onChange={(e) => {
            setType(e.target.value);
            setRows(CREDENTIAL_FIELDS[e.target.value].map((f) => ({ field: f, value: '' })));
          }}
        >
          {CREDENTIAL_TYPES.map((ct) => (
            <option key={ct} value={ct}>
              {t(`credentials.types.${ct}`)}
            </option>
          ))}
        </select>
      </label>
      {rows.map((r, i) => (
        <div key={i} className="conn-kv">
          <input aria-label={t('credentials.field')} value={r.field} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, field: e.target.value } : x)))} />
          <input aria-label={t('credentials.value')} type="password" autoComplete="new-password" value={r.value} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))} />
          <button type="button" className="btn btn-small" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
            {t('credentials.removeField')}
          </button>
          {issue(`values.${r.field}`) ? <span className="field-error">{issue(`values.${r.field}`)}</span> : null}
        </div>
      ))}
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => setRows([...rows, { field: '', value: '' }])}>
          {t('credentials.addField')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || !name}>
          {t('credentials.create')}
        </button>
      </div>
    </form>
  );
}
