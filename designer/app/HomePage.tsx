import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { AREAS } from './areas';
import { useMe, useSession } from './session';
import { PageHeader } from './ui';

/** The start page: who is signed in and the areas their role opens. */
export function HomePage() {
  const { t } = useTranslation('common');
  const { can } = useSession();
  const { user } = useMe();
  const format = useFormat();
  const areas = AREAS.filter((a) => can(a.permission));
  return (
    <div className="page">
      <PageHeader title={t('home.welcome', { name: user.name })} />
      <p className="muted">{t('home.today', { date: format.date(new Date()), role: t(`roles.${user.role}`) })}</p>
      <h2 className="section-title">{t('home.yourAreas')}</h2>
      {areas.length === 0 ? (
        <p className="empty-state">{t('home.noAreas')}</p>
      ) : (
        <ul className="area-grid">
          {areas.map((a) => (
            <li key={a.id}>
              <Link to={a.path} className="area-card">
                <span className="area-card-title">{t(`nav.${a.id}`)}</span>
                <span className="area-card-text">{t(`areas.${a.id}`)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
