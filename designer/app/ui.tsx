/** Small building blocks shared by every page; the look lives in app/styles.css. */
import { Component, useId, type ErrorInfo, type ReactElement, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from './api';
import { errorMessage } from './errors';

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </header>
  );
}

export function Loading() {
  const { t } = useTranslation('common');
  return (
    <div className="loading" role="status">
      {t('app.loading')}
    </div>
  );
}

/** A translated sentence for the failure; the server's own words follow when they add something. */
export function ErrorBanner({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  const { t } = useTranslation('common');
  if (!error) return null;
  const api = error instanceof ApiError && error.status !== 0 && error.status < 500 ? error : undefined;
  const detail = api ? (api.issues.length ? api.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : api.title) : undefined;
  return (
    <div className="banner banner-error" role="alert">
      <span>{errorMessage(t, error)}</span>
      {detail ? <span className="banner-detail">{detail}</span> : null}
      {onDismiss ? (
        <button type="button" className="banner-close" onClick={onDismiss} aria-label={t('actions.close')}>
          ×
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ children, onDismiss }: { children: ReactNode; onDismiss?: () => void }) {
  const { t } = useTranslation('common');
  return (
    <div className="banner banner-ok" role="status">
      <span>{children}</span>
      {onDismiss ? (
        <button type="button" className="banner-close" onClick={onDismiss} aria-label={t('actions.close')}>
          ×
        </button>
      ) : null}
    </div>
  );
}

/** A labelled form field; `children` receives the id to put on the input. */
export function Field({ label, error, hint, children }: { label: string; error?: string; hint?: string; children: (id: string, describedBy?: string) => ReactElement }) {
  const id = useId();
  const noteId = `${id}-note`;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children(id, error || hint ? noteId : undefined)}
      {error ? (
        <div id={noteId} className="field-error">
          {error}
        </div>
      ) : hint ? (
        <div id={noteId} className="field-hint">
          {hint}
        </div>
      ) : null}
    </div>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'muted' | 'warn' | 'info'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

function CrashNotice() {
  const { t } = useTranslation('common');
  return (
    <div className="empty-state" role="alert">
      <h2>{t('errors.crashed')}</h2>
      <button type="button" className="btn" onClick={() => window.location.reload()}>
        {t('actions.reload')}
      </button>
    </div>
  );
}

/** Keeps the shell usable when a page throws (or its chunk fails to load). */
export class PageErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('page failed', error, info.componentStack);
  }
  override render() {
    return this.state.failed ? <CrashNotice /> : this.props.children;
  }
}
