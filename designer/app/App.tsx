import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { AREAS, type Area } from './areas';
import { HomePage } from './HomePage';
import { Layout } from './Layout';
import { LoginPage } from './LoginPage';
import { SessionProvider, useSession } from './session';
import { NoAccessPage, NotFoundPage } from './StatusPages';
import { ErrorBanner, Loading, PageErrorBoundary } from './ui';

// public pages, no sign-in: order tracking for customers and the web order form
const TrackingPage = lazy(() => import('../orders/TrackingPage'));
const WebOrderPage = lazy(() => import('../orders/WebOrderPage'));

function PublicRoute({ children }: { children: ReactNode }) {
  return (
    <PageErrorBoundary>
      <Suspense fallback={<Loading />}>{children}</Suspense>
    </PageErrorBoundary>
  );
}

/** Waits for /api/auth/me; says so when the server cannot be reached. */
function SessionGate({ children }: { children: ReactNode }) {
  const { t } = useTranslation('common');
  const { state, reload } = useSession();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'failed') {
    return (
      <div className="login-screen">
        <div className="login-card">
          <h1>{t('session.loadFailed')}</h1>
          <ErrorBanner error={state.error} />
          <button type="button" className="btn btn-primary" onClick={() => void reload()}>
            {t('actions.retry')}
          </button>
        </div>
      </div>
    );
  }
  return children;
}

function RequireSignIn({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status !== 'signed-in') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

/** An area's page, loaded on first visit, or "no access" when the role does not include it. */
function AreaRoute({ area }: { area: Area }) {
  const { can } = useSession();
  if (!can(area.permission)) return <NoAccessPage area={area.id} />;
  return (
    <PageErrorBoundary key={area.id}>
      <Suspense fallback={<Loading />}>
        <area.Page />
      </Suspense>
    </PageErrorBoundary>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <SessionGate>
          <Routes>
            <Route path="/login" element={<LoginPage />} />
            <Route path="/track/:number?" element={<PublicRoute><TrackingPage /></PublicRoute>} />
            <Route path="/order" element={<PublicRoute><WebOrderPage /></PublicRoute>} />
            <Route
              element={
                <RequireSignIn>
                  <Layout />
                </RequireSignIn>
              }
            >
              <Route index element={<HomePage />} />
              {AREAS.map((a) => (
                <Route key={a.id} path={`${a.path}/*`} element={<AreaRoute area={a} />} />
              ))}
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </SessionGate>
      </SessionProvider>
    </BrowserRouter>
  );
}
