import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from './api';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { AREAS } from './areas';
import { useMe, useSession } from './session';
import { ErrorBanner, PageHeader } from './ui';

/** On an empty database an admin may load sample orders that run through the real flows; never silently. */
function DemoDataOffer() {
  const { t } = useTranslation('common');
  const { can } = useSession();
  const [state, setState] = useState<'hidden' | 'offer' | 'loading' | 'done'>('hidden');
  const [error, setError] = useState<unknown>();
  const [loaded, setLoaded] = useState({ historical: 0, live: 0 });
  useEffect(() => {
    if (!can('orders.read') || !can('settings.manage')) return;
    void api.get<{ canLoad: boolean }>('/api/orders/demo-data').then((r) => setState(r.canLoad ? 'offer' : 'hidden'), () => undefined);
  }, [can]);
  if (state === 'hidden') return null;
  const load = async () => {
    setState('loading');
    setError(undefined);
    try {
      setLoaded(await api.post<{ historical: number; live: number }>('/api/orders/demo-data', {}));
      setState('done');
    } catch (e) {
      setError(e);
      setState('offer');
    }
  };
  return (
    <section className="card demo-offer" data-testid="demo-offer">
      <h2 className="section-title">{t('home.demo.title')}</h2>
      {state === 'done' ? (
        <p>{t('home.demo.done', { historical: loaded.historical, live: loaded.live })}</p>
      ) : (
        <>
          <p className="muted">{t('home.demo.body')}</p>
          {error ? <ErrorBanner error={error} /> : null}
          <button type="button" className="btn btn-primary" disabled={state === 'loading'} onClick={() => void load()}>
            {state === 'loading' ? t('home.demo.loading') : t('home.demo.load')}
          </button>
        </>
      )}
    </section>
  );
}

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
      <DemoDataOffer />
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
