import { NavLink, Outlet } from 'react-router';
import { useTranslation } from 'react-i18next';
import { AREAS } from './areas';
import { useSession } from './session';
import { UserMenu } from './UserMenu';

/** The signed-in frame: top bar with the user menu, navigation by permission, the page. */
export function Layout() {
  const { t } = useTranslation('common');
  const { can } = useSession();
  const visible = AREAS.filter((a) => can(a.permission));
  return (
    <div className="shell">
      <header className="topbar">
        <NavLink to="/" className="brand" end>
          Ordo
        </NavLink>
        <span className="topbar-spacer" />
        <UserMenu />
      </header>
      <nav className="sidebar" aria-label={t('nav.label')}>
        <NavLink to="/" end className="nav-link">
          {t('nav.home')}
        </NavLink>
        <div className="nav-section">{t('nav.areas')}</div>
        {visible.map((a) => (
          <NavLink key={a.id} to={a.path} className="nav-link" data-area={a.id}>
            {t(`nav.${a.id}`)}
          </NavLink>
        ))}
      </nav>
      <main className="content" id="content">
        <Outlet />
      </main>
    </div>
  );
}
