import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreateUserBody, Locale, RecordScopeDto, UserDto } from '../../server/contracts/auth';
import { ROLES, type Role } from '../../server/contracts/permissions';
import { LANGUAGE_NAMES, LANGUAGES, isLocale } from '../i18n';
import { useFormat } from '../i18n/format';
import { api, ApiError } from '../app/api';
import { fieldError } from '../app/errors';
import { useMe, useSession } from '../app/session';
import { Badge, ErrorBanner, Field, Loading, Notice } from '../app/ui';
import { GroupChips, GroupsEditor } from './GroupsEditor';
import { groupProblem, normalizeGroup, type GroupProblem } from './model';
import { parseWarehouses, ScopeCell, ScopeFields } from './ScopeEditor';

const EMPTY: CreateUserBody & { groups: string[] } = { name: '', email: '', role: 'operator', groups: [], password: '' };

export function UsersPanel() {
  const { t } = useTranslation('admin');
  const { can } = useSession();
  const me = useMe();
  const format = useFormat();
  const [users, setUsers] = useState<UserDto[]>();
  const [loadError, setLoadError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [busyId, setBusyId] = useState<string>();
  const manage = can('users.manage');

  const load = useCallback(async () => {
    try {
      setUsers(await api.get<UserDto[]>('/api/users'));
      setLoadError(undefined);
    } catch (err) {
      setLoadError(err);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const update = async (user: UserDto, change: { role?: Role; disabled?: boolean; groups?: string[]; scope?: RecordScopeDto }, message: string): Promise<boolean> => {
    setBusyId(user.id);
    setActionError(undefined);
    setNotice(undefined);
    try {
      const updated = await api.patch<UserDto>(`/api/users/${user.id}`, change);
      setUsers((list) => list?.map((u) => (u.id === updated.id ? updated : u)));
      setNotice(message);
      return true;
    } catch (err) {
      setActionError(err);
      return false;
    } finally {
      setBusyId(undefined);
    }
  };

  if (loadError) return <ErrorBanner error={loadError} />;
  if (!users) return <Loading />;

  return (
    <section className="panel" aria-labelledby="users-title">
      <div className="panel-toolbar">
        <h2 id="users-title">{t('users.title')}</h2>
        <span className="muted">{t('users.count', { count: users.length })}</span>
        <span className="toolbar-spacer" />
        {manage && !creating ? (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            {t('users.new')}
          </button>
        ) : null}
      </div>
      {creating ? (
        <CreateUserForm
          onCancel={() => setCreating(false)}
          onCreated={(user) => {
            setUsers((list) => [...(list ?? []), user].sort((a, b) => a.email.localeCompare(b.email)));
            setCreating(false);
            setNotice(t('users.createdNotice', { email: user.email }));
          }}
        />
      ) : null}
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {actionError ? <ErrorBanner error={actionError} onDismiss={() => setActionError(undefined)} /> : null}
      <table className="table">
        <thead>
          <tr>
            <th>{t('users.name')}</th>
            <th>{t('users.email')}</th>
            <th>{t('users.role')}</th>
            <th>{t('users.groups')}</th>
            <th>{t('users.language')}</th>
            <th>{t('users.status')}</th>
            <th>{t('users.created')}</th>
            <th>{t('users.scope')}</th>
            {manage ? <th className="col-actions">{t('users.actions')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const self = u.id === me.user.id;
            const busy = busyId === u.id;
            return (
              <tr key={u.id} data-email={u.email} className={u.disabled ? 'row-muted' : undefined}>
                <td>
                  {u.name}
                  {self ? <span className="muted"> {t('users.you')}</span> : null}
                </td>
                <td>{u.email}</td>
                <td>
                  {manage && !self ? (
                    <select
                      aria-label={t('users.roleOf', { name: u.name })}
                      value={u.role}
                      disabled={busy}
                      onChange={(e) => {
                        const role = e.target.value as Role;
                        void update(u, { role }, t('users.roleChanged', { name: u.name, role: t(`common:roles.${role}`) }));
                      }}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {t(`common:roles.${r}`)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    t(`common:roles.${u.role}`)
                  )}
                </td>
                <td className="col-groups">
                  {manage ? (
                    <GroupsEditor
                      compact
                      value={u.groups}
                      label={t('users.groupsOf', { name: u.name })}
                      addLabel={t('users.addGroupTo', { name: u.name })}
                      disabled={busy}
                      onChange={(groups) =>
                        void update(u, { groups }, groups.length ? t('users.groupsChanged', { name: u.name, groups: groups.join(', ') }) : t('users.groupsCleared', { name: u.name }))
                      }
                    />
                  ) : u.groups.length ? (
                    <div className="chips">
                      <GroupChips groups={u.groups} />
                    </div>
                  ) : (
                    <span className="muted">{t('users.noGroups')}</span>
                  )}
                </td>
                <td>{u.locale ? LANGUAGE_NAMES[u.locale] : <span className="muted">{t('common:userMenu.followBrowser')}</span>}</td>
                <td>{u.disabled ? <Badge tone="muted">{t('users.disabled')}</Badge> : <Badge tone="ok">{t('users.active')}</Badge>}</td>
                <td>{format.date(u.createdAt)}</td>
                <td className="col-scope">
                  <ScopeCell name={u.name} scope={u.scope} manage={manage} busy={busy} onSave={(scope) => update(u, { scope }, t('users.scopeChanged', { name: u.name }))} />
                </td>
                {manage ? (
                  <td className="col-actions">
                    {self ? null : u.disabled ? (
                      <button type="button" className="btn btn-small" disabled={busy} onClick={() => void update(u, { disabled: false }, t('users.enabledNotice', { name: u.name }))}>
                        {t('users.enable')}
                      </button>
                    ) : (
                      <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => void update(u, { disabled: true }, t('users.disabledNotice', { name: u.name }))}>
                        {t('users.disable')}
                      </button>
                    )}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function CreateUserForm({ onCreated, onCancel }: { onCreated: (user: UserDto) => void; onCancel: () => void }) {
  const { t } = useTranslation('admin');
  const [form, setForm] = useState(EMPTY);
  const [pendingGroup, setPendingGroup] = useState('');
  const [groupTyping, setGroupTyping] = useState<GroupProblem>();
  const [scope, setScope] = useState({ channels: [] as string[], warehousesText: '' });
  const [scopeOpen, setScopeOpen] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<typeof EMPTY>) => setForm((f) => ({ ...f, ...patch }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // a group typed but not added with Enter still counts
    const typed = normalizeGroup(pendingGroup);
    const problem = typed ? groupProblem(typed, form.groups) : undefined;
    setGroupTyping(problem);
    if (problem) return;
    setBusy(true);
    setError(undefined);
    try {
      const warehouses = parseWarehouses(scope.warehousesText);
      const body = { ...form, ...(typed ? { groups: [...form.groups, typed] } : {}), ...(scope.channels.length || warehouses.length ? { scope: { channels: scope.channels, warehouses } } : {}) };
      onCreated(await api.post<UserDto>('/api/users', body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const hints = {
    name: t('fieldErrors.name'),
    email: t('fieldErrors.email'),
    role: t('fieldErrors.role'),
    password: t('fieldErrors.password'),
    locale: t('fieldErrors.locale'),
    groups: t('fieldErrors.groups'),
  };
  const emailTaken = error instanceof ApiError && error.status === 409;
  // fields show their own messages; the banner covers whatever no field shows
  const isGroupIssue = (path: string) => path === 'groups' || path.startsWith('groups.');
  const isScopeIssue = (path: string) => path === 'scope' || path.startsWith('scope.');
  const unshown = error instanceof ApiError ? error.issues.filter((i) => !(i.path in hints) && !isGroupIssue(i.path) && !isScopeIssue(i.path)) : [];
  const scopeError = error instanceof ApiError && error.issues.some((i) => isScopeIssue(i.path)) ? t('fieldErrors.scope') : undefined;
  const groupsError = groupTyping ? t(`groupErrors.${groupTyping}`) : error instanceof ApiError && error.issues.some((i) => isGroupIssue(i.path)) ? hints.groups : undefined;
  const showBanner = Boolean(error) && !emailTaken && !(error instanceof ApiError && error.status === 400 && error.issues.length > 0 && unshown.length === 0);

  return (
    <form className="form-card" onSubmit={(e) => void submit(e)} noValidate aria-label={t('users.new')}>
      <h3>{t('users.new')}</h3>
      {showBanner ? <ErrorBanner error={error} /> : null}
      <div className="form-grid">
        <Field label={t('users.name')} error={fieldError(error, 'name', hints)}>
          {(id, d) => <input id={id} aria-describedby={d} value={form.name} onChange={(e) => set({ name: e.target.value })} autoComplete="off" />}
        </Field>
        <Field label={t('users.email')} error={emailTaken ? t('fieldErrors.emailTaken') : fieldError(error, 'email', hints)}>
          {(id, d) => <input id={id} aria-describedby={d} type="email" value={form.email} onChange={(e) => set({ email: e.target.value })} autoComplete="off" />}
        </Field>
        <Field label={t('users.role')} error={fieldError(error, 'role', hints)}>
          {(id) => (
            <select id={id} value={form.role} onChange={(e) => set({ role: e.target.value as Role })}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`common:roles.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('users.password')} error={fieldError(error, 'password', hints)} hint={t('fieldErrors.password')}>
          {(id, d) => <input id={id} aria-describedby={d} type="password" value={form.password} onChange={(e) => set({ password: e.target.value })} autoComplete="new-password" />}
        </Field>
        <Field label={t('users.language')} error={fieldError(error, 'locale', hints)}>
          {(id) => (
            <select id={id} value={form.locale ?? ''} onChange={(e) => set({ locale: isLocale(e.target.value) ? (e.target.value as Locale) : undefined })}>
              <option value="">{t('common:userMenu.followBrowser')}</option>
              {LANGUAGES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('users.groups')} error={groupsError} hint={t('users.groupsHint')}>
          {(id, d) => (
            <GroupsEditor
              inputId={id}
              describedBy={d}
              value={form.groups}
              label={t('users.groups')}
              onChange={(groups) => set({ groups })}
              onPending={(text) => {
                setPendingGroup(text);
                setGroupTyping(undefined);
              }}
            />
          )}
        </Field>
      </div>
      {scopeOpen || scopeError ? (
        <ScopeFields channels={scope.channels} warehousesText={scope.warehousesText} onChange={setScope} error={scopeError} />
      ) : (
        <button type="button" className="btn btn-small scope-open" onClick={() => setScopeOpen(true)}>
          {t('users.scopeLimit')}
        </button>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('users.creating') : t('users.create')}
        </button>
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          {t('common:actions.cancel')}
        </button>
      </div>
    </form>
  );
}
