import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../server/contracts/auth';
import { LanguageSelect } from './LanguageSelect';
import { useMe, useSession } from './session';
import { ErrorBanner } from './ui';

/** Name and role in the top bar; opens to the e-mail, the language and sign-out. */
export function UserMenu() {
  const { t } = useTranslation('common');
  const { setLocale, signOut } = useSession();
  const { user } = useMe();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);

  const changeLanguage = async (locale: Locale | null) => {
    setBusy(true);
    setError(undefined);
    try {
      await setLocale(locale);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const signOutEverywhere = async () => {
    setError(undefined);
    try {
      await signOut({ everywhere: true });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="user-menu" ref={root}>
      <button type="button" className="user-menu-button" aria-haspopup="true" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <span className="avatar" aria-hidden="true">
          {user.name.trim().charAt(0).toUpperCase()}
        </span>
        <span className="user-menu-text">
          <span className="user-name">{user.name}</span>
          <span className="user-role">{t(`roles.${user.role}`)}</span>
        </span>
      </button>
      {open ? (
        <div className="user-menu-panel" role="dialog" aria-label={t('userMenu.title')}>
          <div className="user-menu-who">
            <div className="user-name">{user.name}</div>
            <div className="muted">{user.email}</div>
            <div className="muted">{t('userMenu.roleLine', { role: t(`roles.${user.role}`) })}</div>
          </div>
          <LanguageSelect value={user.locale} onChange={(l) => void changeLanguage(l)} disabled={busy} />
          {error ? <ErrorBanner error={error} /> : null}
          <button type="button" className="btn btn-block" onClick={() => void signOut()}>
            {t('userMenu.signOut')}
          </button>
          <button type="button" className="btn btn-block btn-danger" title={t('userMenu.signOutEverywhereHint')} onClick={() => void signOutEverywhere()}>
            {t('userMenu.signOutEverywhere')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
