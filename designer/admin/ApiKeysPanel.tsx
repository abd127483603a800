import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiKeyDto, CreateApiKeyBody, CreatedApiKeyDto } from '../../server/contracts/auth';
import { ALL_PERMISSIONS, type Permission } from '../../server/contracts/permissions';
import type { Channel } from '../../workflows/model/order';
import { useFormat } from '../i18n/format';
import { api, ApiError } from '../app/api';
import { fieldError } from '../app/errors';
import { Badge, ErrorBanner, Field, Loading, Notice } from '../app/ui';
import { parseWarehouses, ScopeFields, ScopeSummary } from './ScopeEditor';

/** Permissions grouped by their prefix ('orders.read' → 'orders'), in declaration order. */
function permissionGroups(): Array<[string, Permission[]]> {
  const groups = new Map<string, Permission[]>();
  for (const p of ALL_PERMISSIONS) {
    const group = p.split('.')[0];
    groups.set(group, [...(groups.get(group) ?? []), p]);
  }
  return [...groups];
}

function keyState(key: ApiKeyDto, now = Date.now()): 'active' | 'revoked' | 'expired' {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= now) return 'expired';
  return 'active';
}

export function ApiKeysPanel() {
  const { t } = useTranslation('admin');
  const format = useFormat();
  const [keys, setKeys] = useState<ApiKeyDto[]>();
  const [loadError, setLoadError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<CreatedApiKeyDto>();
  const [confirming, setConfirming] = useState<string>();

  const load = useCallback(async () => {
    try {
      setKeys(await api.get<ApiKeyDto[]>('/api/api-keys'));
      setLoadError(undefined);
    } catch (err) {
      setLoadError(err);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const revoke = async (key: ApiKeyDto) => {
    setActionError(undefined);
    setNotice(undefined);
    try {
      const revoked = await api.delete<ApiKeyDto>(`/api/api-keys/${key.id}`);
      setKeys((list) => list?.map((k) => (k.id === revoked.id ? revoked : k)));
      setNotice(t('apiKeys.revokedNotice', { name: key.name }));
    } catch (err) {
      setActionError(err);
    } finally {
      setConfirming(undefined);
    }
  };

  if (loadError) return <ErrorBanner error={loadError} />;
  if (!keys) return <Loading />;

  return (
    <section className="panel" aria-labelledby="keys-title">
      <div className="panel-toolbar">
        <h2 id="keys-title">{t('apiKeys.title')}</h2>
        <span className="muted">{t('apiKeys.intro')}</span>
        <span className="toolbar-spacer" />
        {!creating && !secret ? (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            {t('apiKeys.new')}
          </button>
        ) : null}
      </div>
      {secret ? <SecretOnce created={secret} onDone={() => setSecret(undefined)} /> : null}
      {creating ? (
        <CreateKeyForm
          onCancel={() => setCreating(false)}
          onCreated={(created) => {
            const { key: _secret, ...listed } = created;
            setKeys((list) => [listed, ...(list ?? [])]);
            setCreating(false);
            setSecret(created);
          }}
        />
      ) : null}
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {actionError ? <ErrorBanner error={actionError} onDismiss={() => setActionError(undefined)} /> : null}
      {keys.length === 0 ? (
        <p className="empty-state">{t('apiKeys.empty')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('apiKeys.name')}</th>
              <th>{t('apiKeys.prefix')}</th>
              <th>{t('apiKeys.scopes')}</th>
              <th>{t('apiKeys.created')}</th>
              <th>{t('apiKeys.expires')}</th>
              <th>{t('apiKeys.lastUsed')}</th>
              <th>{t('apiKeys.status')}</th>
              <th>{t('users.scope')}</th>
              <th className="col-actions">{t('users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => {
              const state = keyState(k);
              return (
                <tr key={k.id} data-key-name={k.name} className={state === 'active' ? undefined : 'row-muted'}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td title={k.scopes.join(', ')}>{t('apiKeys.scopeCount', { count: k.scopes.length })}</td>
                  <td>{format.date(k.createdAt)}</td>
                  <td>{k.expiresAt ? format.date(k.expiresAt) : <span className="muted">{t('apiKeys.never')}</span>}</td>
                  <td>{k.lastUsedAt ? format.dateTime(k.lastUsedAt) : <span className="muted">{t('apiKeys.notUsed')}</span>}</td>
                  <td>
                    <Badge tone={state === 'active' ? 'ok' : 'muted'}>{t(`apiKeys.state.${state}`)}</Badge>
                  </td>
                  <td className="col-scope">
                    <ScopeSummary scope={k.recordScope} />
                  </td>
                  <td className="col-actions">
                    {state !== 'active' ? null : confirming === k.id ? (
                      <span className="inline-confirm">
                        <button type="button" className="btn btn-small btn-danger" onClick={() => void revoke(k)}>
                          {t('apiKeys.confirmRevoke')}
                        </button>
                        <button type="button" className="btn btn-small" onClick={() => setConfirming(undefined)}>
                          {t('common:actions.cancel')}
                        </button>
                      </span>
                    ) : (
                      <button type="button" className="btn btn-small" onClick={() => setConfirming(k.id)}>
                        {t('apiKeys.revoke')}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The new key's secret, shown this one time with a copy button. */
function SecretOnce({ created, onDone }: { created: CreatedApiKeyDto; onDone: () => void }) {
  const { t } = useTranslation('admin');
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copyKey = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };
  return (
    <div className="secret-once" role="region" aria-label={t('apiKeys.secretTitle')}>
      <strong>{t('apiKeys.secretTitle')}</strong>
      <p>{t('apiKeys.secretBody', { name: created.name })}</p>
      <div className="secret-row">
        <input className="secret-value" readOnly value={created.key} onFocus={(e) => e.target.select()} aria-label={t('apiKeys.secretTitle')} data-testid="api-key-secret" />
        <button type="button" className="btn" onClick={() => void copyKey()}>
          {copy === 'copied' ? t('apiKeys.copied') : t('apiKeys.copy')}
        </button>
        <button type="button" className="btn btn-primary" onClick={onDone}>
          {t('apiKeys.done')}
        </button>
      </div>
      {copy === 'failed' ? <div className="field-error">{t('apiKeys.copyFailed')}</div> : null}
    </div>
  );
}

function CreateKeyForm({ onCreated, onCancel }: { onCreated: (key: CreatedApiKeyDto) => void; onCancel: () => void }) {
  const { t } = useTranslation('admin');
  const groups = useMemo(permissionGroups, []);
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [scopes, setScopes] = useState<ReadonlySet<Permission>>(new Set());
  const [recordScope, setRecordScope] = useState({ channels: [] as string[], warehousesText: '' });
  const [scopeOpen, setScopeOpen] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const toggle = (p: Permission, on: boolean) =>
    setScopes((s) => {
      const next = new Set(s);
      if (on) next.add(p);
      else next.delete(p);
      return next;
    });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const body: CreateApiKeyBody = { name, scopes: ALL_PERMISSIONS.filter((p) => scopes.has(p)) };
    // a date means "valid through that day" in the user's time zone
    if (expires) body.expiresAt = new Date(`${expires}T23:59:59`).toISOString();
    const warehouses = parseWarehouses(recordScope.warehousesText);
    if (recordScope.channels.length || warehouses.length) body.recordScope = { channels: recordScope.channels as Channel[], warehouses };
    try {
      onCreated(await api.post<CreatedApiKeyDto>('/api/api-keys', body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const hints = { name: t('fieldErrors.apiKeyName'), scopes: t('fieldErrors.scopes'), expiresAt: t('fieldErrors.expiresAt') };
  const unshown = error instanceof ApiError ? error.issues.filter((i) => !(i.path in hints) && !i.path.startsWith('scopes.') && !i.path.startsWith('recordScope')) : [];
  const recordScopeError = error instanceof ApiError && error.issues.some((i) => i.path.startsWith('recordScope')) ? t('fieldErrors.scope') : undefined;
  const showBanner = Boolean(error) && !(error instanceof ApiError && error.status === 400 && error.issues.length > 0 && unshown.length === 0);
  const scopesError = fieldError(error, 'scopes', hints) ?? (error instanceof ApiError && error.issues.some((i) => i.path.startsWith('scopes.')) ? hints.scopes : undefined);

  return (
    <form className="form-card" onSubmit={(e) => void submit(e)} noValidate aria-label={t('apiKeys.new')}>
      <h3>{t('apiKeys.new')}</h3>
      {showBanner ? <ErrorBanner error={error} /> : null}
      <div className="form-grid">
        <Field label={t('apiKeys.name')} error={fieldError(error, 'name', hints)} hint={t('apiKeys.nameHint')}>
          {(id, d) => <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
        </Field>
        <Field label={t('apiKeys.expires')} error={fieldError(error, 'expiresAt', hints)} hint={t('apiKeys.expiresHint')}>
          {(id, d) => <input id={id} aria-describedby={d} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />}
        </Field>
      </div>
      <fieldset className={scopesError ? 'scopes field-invalid' : 'scopes'}>
        <legend>
          {t('apiKeys.scopes')}
          <button type="button" className="link-button" onClick={() => setScopes(new Set(ALL_PERMISSIONS))}>
            {t('apiKeys.selectAll')}
          </button>
          <button type="button" className="link-button" onClick={() => setScopes(new Set())}>
            {t('apiKeys.clear')}
          </button>
        </legend>
        {scopesError ? <div className="field-error">{scopesError}</div> : null}
        <div className="scope-groups">
          {groups.map(([group, permissions]) => (
            <div key={group} className="scope-group">
              <div className="scope-group-title">{t(`permissionGroups.${group}`)}</div>
              {permissions.map((p) => (
                <label key={p} className="check" title={p}>
                  <input type="checkbox" value={p} checked={scopes.has(p)} onChange={(e) => toggle(p, e.target.checked)} />
                  <span>{t(`permissions.${p.replace('.', '_')}`)}</span>
                </label>
              ))}
            </div>
          ))}
        </div>
      </fieldset>
      {scopeOpen || recordScopeError ? (
        <ScopeFields channels={recordScope.channels} warehousesText={recordScope.warehousesText} onChange={setRecordScope} error={recordScopeError} hint={t('apiKeys.recordScopeHint')} />
      ) : (
        <button type="button" className="btn btn-small scope-open" onClick={() => setScopeOpen(true)}>
          {t('users.scopeLimit')}
        </button>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('apiKeys.creating') : t('apiKeys.create')}
        </button>
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          {t('common:actions.cancel')}
        </button>
      </div>
    </form>
  );
}
