import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { applyLocale, storedLocale } from '../i18n';
import { api, ApiError } from './api';
import { LanguageSelect } from './LanguageSelect';
import { useSession } from './session';
import { ErrorBanner } from './ui';

export function LoginPage() {
  const { t } = useTranslation('common');
  const { state, signIn } = useSession();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [locale, setLocale] = useState(storedLocale);
  const [sso, setSso] = useState<{ label: string; loginUrl: string } | null>(null);
  // a failed single sign-on comes back as /login?error=<reason> (the reason is the server's English text)
  const ssoError = new URLSearchParams(location.search).get('error');

  useEffect(() => {
    const ask = new AbortController();
    api
      .get<{ oidc: { label: string; loginUrl: string } | null }>('/api/auth/providers', { signal: ask.signal })
      .then((p) => setSso(p.oidc))
      .catch(() => undefined); // password sign-in works without it
    return () => ask.abort();
  }, []);

  const from = (location.state as { from?: string } | null)?.from;
  if (state.status === 'signed-in') return <Navigate to={from && from !== '/login' ? from : '/'} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email, password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const wrongCredentials = error instanceof ApiError && error.status === 401;
  return (
    <div className="login-screen">
      <form className="login-card" onSubmit={(e) => void submit(e)} noValidate>
        <div className="login-brand">Ordo</div>
        <h1>{t('login.title')}</h1>
        <p className="muted">{t('login.subtitle')}</p>
        {ssoError && !error ? (
          <div className="banner banner-error" role="alert" data-testid="sso-error">
            <span>{t('login.ssoFailed')}</span>
            <span className="banner-detail">{ssoError}</span>
          </div>
        ) : null}
        {wrongCredentials ? (
          <div className="banner banner-error" role="alert">
            {t('login.wrong')}
          </div>
        ) : error ? (
          <ErrorBanner error={error} />
        ) : null}
        <div className="field">
          <label htmlFor="login-email">{t('login.email')}</label>
          <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || !email || !password}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
        {sso ? (
          <>
            <div className="login-or">{t('login.or')}</div>
            {/* a full page navigation: the provider's pages take over, then the callback returns here */}
            <a className="btn btn-block" href={sso.loginUrl}>
              {t('login.sso', { label: sso.label })}
            </a>
          </>
        ) : null}
        <div className="login-footer">
          <LanguageSelect
            value={locale}
            onChange={(l) => {
              setLocale(l);
              void applyLocale(l);
            }}
          />
        </div>
      </form>
    </div>
  );
}
