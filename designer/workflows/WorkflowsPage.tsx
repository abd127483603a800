/**
 * Workflows: processes (list, modeler with versions) and instances (list, instance view).
 *   /workflows                    processes
 *   /workflows/new                modeler on a new or imported diagram
 *   /workflows/processes/:key     modeler on the draft or the latest version (?version=n)
 *   /workflows/instances          instances with filters
 *   /workflows/instances/:id      one instance
 *   /workflows/stuck              the stuck-order watchdog (instances.operate)
 * bpmn-js and its CSS load only with the modeler and the instance view (their own chunks).
 */
import './workflows.css';
import { lazy, Suspense, type ReactNode } from 'react';
import { NavLink, Navigate, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import { registerMessages } from '../i18n';
import { useSession } from '../app/session';
import { NoAccessPage } from '../app/StatusPages';
import { Loading, PageHeader } from '../app/ui';
import bpmnMessages from './bpmn.i18n';
import messages from './i18n';
import { InstanceList } from './instances/InstanceList';
import { StuckList } from './instances/StuckList';
import { ProcessList } from './ProcessList';

registerMessages(messages);
registerMessages(bpmnMessages);

const ModelerPage = lazy(() => import('./modeler/ModelerPage').then((m) => ({ default: m.ModelerPage })));
const InstanceView = lazy(() => import('./instances/InstanceView').then((m) => ({ default: m.InstanceView })));

function Tabbed({ children }: { children: ReactNode }) {
  const { t } = useTranslation('workflows');
  const { can } = useSession();
  return (
    <div className="page wf-page">
      <PageHeader title={t('title')} />
      <nav className="tabs" aria-label={t('title')}>
        <NavLink to="/workflows" end className="tab">
          {t('tabs.processes')}
        </NavLink>
        {can('instances.read') ? (
          <NavLink to="/workflows/instances" className="tab">
            {t('tabs.instances')}
          </NavLink>
        ) : null}
        {can('instances.operate') ? (
          <NavLink to="/workflows/stuck" className="tab" data-tab="stuck">
            {t('tabs.stuck')}
          </NavLink>
        ) : null}
      </nav>
      <Suspense fallback={<Loading />}>{children}</Suspense>
    </div>
  );
}

export default function WorkflowsPage() {
  const { can } = useSession();
  const instances = can('instances.read');
  return (
    <Routes>
      <Route
        index
        element={
          <Tabbed>
            <ProcessList />
          </Tabbed>
        }
      />
      <Route
        path="new"
        element={
          <Suspense fallback={<Loading />}>
            <ModelerPage />
          </Suspense>
        }
      />
      <Route
        path="processes/:key"
        element={
          <Suspense fallback={<Loading />}>
            <ModelerPage />
          </Suspense>
        }
      />
      <Route
        path="instances"
        element={
          instances ? (
            <Tabbed>
              <InstanceList />
            </Tabbed>
          ) : (
            <NoAccessPage area="workflows" />
          )
        }
      />
      <Route
        path="instances/:id"
        element={
          instances ? (
            <Tabbed>
              <InstanceView />
            </Tabbed>
          ) : (
            <NoAccessPage area="workflows" />
          )
        }
      />
      <Route
        path="stuck"
        element={
          can('instances.operate') ? (
            <Tabbed>
              <StuckList />
            </Tabbed>
          ) : (
            <NoAccessPage area="workflows" />
          )
        }
      />
      <Route path="*" element={<Navigate to="/workflows" replace />} />
    </Routes>
  );
}
