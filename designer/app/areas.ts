/**
 * The areas of the designer, in navigation order. Each is shown to users holding its permission and
 * lazy-loads the default export of designer/<area>/<Area>Page.tsx, mounted at `<path>/*` (a page may
 * declare its own nested <Routes>). Adding an area: one line here plus nav/area keys in app/i18n.ts.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Permission } from '../../server/contracts/permissions';

export type AreaId = 'workflows' | 'rules' | 'connectors' | 'templates' | 'tasks' | 'orders' | 'scheduling' | 'reports' | 'admin';

export interface Area {
  id: AreaId;
  path: `/${string}`;
  /** shown to holders of this permission (a list: of any one of them) */
  permission: Permission | readonly Permission[];
  Page: LazyExoticComponent<ComponentType>;
}

export const AREAS: readonly Area[] = [
  { id: 'workflows', path: '/workflows', permission: 'workflows.read', Page: lazy(() => import('../workflows/WorkflowsPage')) },
  { id: 'rules', path: '/rules', permission: 'rules.read', Page: lazy(() => import('../rules/RulesPage')) },
  { id: 'connectors', path: '/connectors', permission: 'connectors.read', Page: lazy(() => import('../connectors/ConnectorsPage')) },
  { id: 'templates', path: '/templates', permission: 'templates.edit', Page: lazy(() => import('../templates/TemplatesPage')) },
  { id: 'tasks', path: '/tasks', permission: 'tasks.read', Page: lazy(() => import('../tasks/TasksPage')) },
  { id: 'orders', path: '/orders', permission: 'orders.read', Page: lazy(() => import('../orders/OrdersPage')) },
  { id: 'scheduling', path: '/scheduling', permission: 'scheduling.read', Page: lazy(() => import('../scheduling/SchedulingPage')) },
  { id: 'reports', path: '/reports', permission: 'reports.read', Page: lazy(() => import('../reports/ReportsPage')) },
  // approvers reach Admin > Approvals with a publish permission alone
  {
    id: 'admin',
    path: '/admin',
    permission: ['users.read', 'apiKeys.manage', 'audit.read', 'settings.manage', 'workflows.deploy', 'rules.publish', 'templates.publish'],
    Page: lazy(() => import('../admin/AdminPage')),
  },
];
