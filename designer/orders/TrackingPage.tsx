/**
 * Public order tracking (no sign-in): order number + the e-mail or postcode it was placed with.
 * Shows status, history and ETA only; the shell mounts it at /track and /track/:number.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../app/api';
import { ErrorBanner, Field } from '../app/ui';
import { registerMessages } from '../i18n';
import { useFormat } from '../i18n/format';
import messages from './i18n';
import { ordersApi, type PublicTracking } from './api';
import { StatusBadge } from './parts';
import './orders.css';

registerMessages(messages);

export default function TrackingPage() {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const params = useParams();
  const [number, setNumber] = useState(params.number ?? '');
  const [email, setEmail] = useState('');
  const [postcode, setPostcode] = useState('');
  const [result, setResult] = useState<PublicTracking>();
  const [error, setError] = useState<unknown>();
  useEffect(() => setNumber(params.number ?? ''), [params.number]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await ordersApi.track(number.trim().toUpperCase(), email ? { email } : { postcode }));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main className="public-page tracking-page">
      <h1>{t('tracking.title')}</h1>
      <p className="muted">{t('tracking.intro')}</p>
      <form className="form-card" onSubmit={submit}>
        <div className="form-grid">
          <Field label={t('tracking.number')}>{(id) => <input id={id} required value={number} onChange={(e) => setNumber(e.target.value)} placeholder="SO-2026-000123" />}</Field>
          <Field label={t('tracking.email')}>{(id) => <input id={id} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
          <Field label={`${t('tracking.or')} ${t('tracking.postcode')}`}>{(id) => <input id={id} value={postcode} onChange={(e) => setPostcode(e.target.value)} />}</Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!number || (!email && !postcode)}>
            {t('tracking.lookup')}
          </button>
        </div>
      </form>
      {error instanceof ApiError && error.status === 404 ? <div className="banner banner-error">{t('tracking.notFound')}</div> : <ErrorBanner error={error} />}
      {result ? (
        <section className="tracking-result">
          <h2>
            {result.number} <StatusBadge status={result.status} />
          </h2>
          <p>
            <strong>{t('tracking.eta')}:</strong> {result.eta.eta ? f.dateTime(result.eta.eta) : t('detail.etaNone')}
          </p>
          {result.shipment?.carrier ? (
            <p>
              {t('tracking.carrier')}: {result.shipment.carrier}
              {result.shipment.trackingNumber ? ` · ${t('tracking.trackingNumber')}: ${result.shipment.trackingNumber}` : ''}
            </p>
          ) : null}
          <h3>{t('tracking.timeline')}</h3>
          <ol className="timeline">
            {result.timeline.map((e, i) => (
              <li key={i}>
                <time dateTime={e.at}>{f.dateTime(e.at)}</time> {e.event === 'received' ? t('tracking.received') : e.event === 'shipped' ? t('tracking.shipped') : e.status ? <StatusBadge status={e.status} /> : null}
              </li>
            ))}
          </ol>
        </section>
      ) : null}
    </main>
  );
}
