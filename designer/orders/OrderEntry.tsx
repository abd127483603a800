import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { RJSFSchema } from '@rjsf/utils';
import { ErrorBanner, Loading, Notice } from '../app/ui';
import { ordersApi } from './api';
import { OrderForm, formSchema } from './OrderForm';

/** Phone orders: an operator types what the customer says; the server numbers, totals and checks. */
export function OrderEntry() {
  const { t } = useTranslation('orders');
  const [schema, setSchema] = useState<RJSFSchema>();
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<string>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    ordersApi.schema().then((s) => setSchema(formSchema(s, ['channel', 'totals', 'attachments', 'externalId'])), setError);
  }, []);
  if (error) return <ErrorBanner error={error} />;
  if (!schema) return <Loading />;
  return (
    <div>
      <h2 className="section-title">{t('entry.title')}</h2>
      <p className="muted">{t('entry.intro')}</p>
      {created ? (
        <Notice onDismiss={() => setCreated(undefined)}>
          {t('entry.created', { number: created })} <Link to={`/orders/${created}`}>{t('entry.view')}</Link>
        </Notice>
      ) : null}
      <OrderForm
        key={round}
        schema={schema}
        submitLabel={t('entry.submit')}
        onSubmit={async (data) => {
          const order = await ordersApi.create(data);
          setCreated(order.number);
          setRound((r) => r + 1);
        }}
      />
    </div>
  );
}
