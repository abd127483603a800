import { useCallback, useEffect, useState, type ReactElement } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { ApprovalDto } from '../../server/contracts/settings';
import type { Permission } from '../../server/contracts/permissions';
import { registerMessages } from '../i18n';
import { api } from '../app/api';
import { useSession } from '../app/session';
import { NoAccessPage } from '../app/StatusPages';
import { PageHeader } from '../app/ui';
import { ApiKeysPanel } from './ApiKeysPanel';
import { ApprovalsPanel } from './ApprovalsPanel';
import approvalMessages from './approvals.i18n';
import { AuditPanel } from './AuditPanel';
import auditMessages from './audit.i18n';
import messages from './i18n';
import { APPROVER_PERMISSIONS } from './model';
import { SettingsPanel } from './SettingsPanel';
import { UsersPanel } from './UsersPanel';
import './admin.css';

registerMessages(messages);
registerMessages(auditMessages);
registerMessages(approvalMessages);

type TabId = 'users' | 'apiKeys' | 'audit' | 'settings' | 'approvals';
interface Tab {
  id: TabId;
  path: string;
  permission: Permission | readonly Permission[];
}

// app/areas.ts opens Admin to holders of any of these permissions
const TABS: readonly Tab[] = [
  { id: 'users', path: 'users', permission: 'users.read' },
  { id: 'apiKeys', path: 'api-keys', permission: 'apiKeys.manage' },
  { id: 'audit', path: 'audit', permission: 'audit.read' },
  { id: 'settings', path: 'settings', permission: 'settings.manage' },
  { id: 'approvals', path: 'approvals', permission: APPROVER_PERMISSIONS },
];

/** Admin: one tab per job, each shown with its permission; the first visible tab is the default. */
export default function AdminPage() {
  const { t } = useTranslation('admin');
  const { can } = useSession();
  const tabs = TABS.filter((tab) => can(tab.permission));
  const approver = tabs.some((tab) => tab.id === 'approvals');
  const [pending, setPending] = useState<number>();

  const countPending = useCallback(async () => {
    try {
      setPending((await api.get<ApprovalDto[]>('/api/approvals?status=pending')).length);
    } catch {
      setPending(undefined); // only a hint on the tab; the Approvals tab shows the failure itself
    }
  }, []);
  useEffect(() => {
    if (approver) void countPending();
  }, [approver, countPending]);

  const panels: Record<TabId, ReactElement> = {
    users: <UsersPanel />,
    apiKeys: <ApiKeysPanel />,
    audit: <AuditPanel />,
    settings: <SettingsPanel />,
    approvals: <ApprovalsPanel onChanged={() => void countPending()} />,
  };

  return (
    <div className="page">
      <PageHeader title={t('title')} />
      <nav className="tabs" aria-label={t('title')}>
        {tabs.map((tab) => (
          <NavLink key={tab.id} to={`/admin/${tab.path}`} className="tab" data-tab={tab.id}>
            {t(`tabs.${tab.id}`)}
            {tab.id === 'approvals' && pending ? (
              <span className="tab-count" title={t('pendingCount', { count: pending })}>
                {pending}
              </span>
            ) : null}
          </NavLink>
        ))}
      </nav>
      <Routes>
        {tabs.length ? <Route index element={<Navigate to={`/admin/${tabs[0].path}`} replace />} /> : null}
        {TABS.map((tab) => (
          <Route key={tab.id} path={tab.path} element={can(tab.permission) ? panels[tab.id] : <NoAccessPage area="admin" />} />
        ))}
        <Route path="*" element={tabs.length ? <Navigate to={`/admin/${tabs[0].path}`} replace /> : null} />
      </Routes>
    </div>
  );
}
