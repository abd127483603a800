import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { AreaId } from './areas';
import { useMe } from './session';

/** Shown at the URL of an area the user's role does not include. */
export function NoAccessPage({ area }: { area: AreaId }) {
  const { t } = useTranslation('common');
  const { user } = useMe();
  return (
    <div className="page status-page" data-testid="no-access">
      <h1>{t('noAccess.title')}</h1>
      <p>{t('noAccess.body', { role: t(`roles.${user.role}`), area: t(`nav.${area}`) })}</p>
      <Link to="/" className="btn">
        {t('actions.backHome')}
      </Link>
    </div>
  );
}

export function NotFoundPage() {
  const { t } = useTranslation('common');
  return (
    <div className="page status-page">
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
      <Link to="/" className="btn">
        {t('actions.backHome')}
      </Link>
    </div>
  );
}

/** What a placeholder page shows until its area is built: said plainly, no sample data. */
export function NotBuiltYet({ area }: { area: AreaId }) {
  const { t } = useTranslation('common');
  const name = t(`nav.${area}`);
  return (
    <div className="page status-page" data-testid="not-built">
      <h1>{name}</h1>
      <p>{t('notBuilt.body', { area: name })}</p>
    </div>
  );
}
