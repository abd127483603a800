import { Navigate, NavLink, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import { registerMessages } from '../i18n';
import { useSession } from '../app/session';
import { NoAccessPage } from '../app/StatusPages';
import { PageHeader } from '../app/ui';
import { ApiKeysPanel } from './ApiKeysPanel';
import messages from './i18n';
import { UsersPanel } from './UsersPanel';

registerMessages(messages);

/** Admin: users (users.read) and API keys (apiKeys.manage), one tab each. */
export default function AdminPage() {
  const { t } = useTranslation('admin');
  const { can } = useSession();
  return (
    <div className="page">
      <PageHeader title={t('title')} />
      <nav className="tabs" aria-label={t('title')}>
        <NavLink to="/admin/users" className="tab">
          {t('tabs.users')}
        </NavLink>
        {can('apiKeys.manage') ? (
          <NavLink to="/admin/api-keys" className="tab">
            {t('tabs.apiKeys')}
          </NavLink>
        ) : null}
      </nav>
      <Routes>
        <Route index element={<Navigate to="/admin/users" replace />} />
        <Route path="users" element={<UsersPanel />} />
        <Route path="api-keys" element={can('apiKeys.manage') ? <ApiKeysPanel /> : <NoAccessPage area="admin" />} />
        <Route path="*" element={<Navigate to="/admin/users" replace />} />
      </Routes>
    </div>
  );
}
