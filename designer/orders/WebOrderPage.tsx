/** The public web order form (no sign-in; the shell mounts it at /order). Rate limited and with a honeypot field on the server. */
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { RJSFSchema } from '@rjsf/utils';
import { ErrorBanner, Loading } from '../app/ui';
import { registerMessages } from '../i18n';
import messages from './i18n';
import { ordersApi } from './api';
import { OrderForm, formSchema } from './OrderForm';
import { newFormKey } from './parts';
import './orders.css';

registerMessages(messages);

export default function WebOrderPage() {
  const { t } = useTranslation('orders');
  const [schema, setSchema] = useState<RJSFSchema>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<{ number: string; trackingPath: string }>();
  const key = useMemo(newFormKey, []);
  useEffect(() => {
    ordersApi.schema().then((s) => setSchema(formSchema(s, ['channel', 'totals', 'attachments', 'externalId'])), setError);
  }, []);
  return (
    <main className="public-page web-order-page">
      <h1>{t('webform.title')}</h1>
      <p className="muted">{t('webform.intro')}</p>
      <ErrorBanner error={error} />
      {done ? (
        <div className="banner banner-ok" role="status">
          {t('webform.thanks', { number: done.number })} <Link to={done.trackingPath}>{t('webform.track')}</Link>
        </div>
      ) : schema ? (
        <OrderForm schema={schema} submitLabel={t('webform.submit')} honeypot={t('webform.website')} onSubmit={async (data) => setDone(await ordersApi.webOrder(data, key))} />
      ) : !error ? (
        <Loading />
      ) : null}
    </main>
  );
}
