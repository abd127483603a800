import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { RJSFSchema } from '@rjsf/utils';
import { ErrorBanner, Loading, Notice } from '../app/ui';
import { useFormat } from '../i18n/format';
import { ordersApi, type DraftView } from './api';
import { OrderForm, formSchema } from './OrderForm';

/** Mail that could not be read with confidence: the message, why, and a form to enter the order. */
export function Drafts() {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const [drafts, setDrafts] = useState<DraftView[]>();
  const [open, setOpen] = useState<string>();
  const [schema, setSchema] = useState<RJSFSchema>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const load = useCallback(() => ordersApi.drafts().then(setDrafts, setError), []);
  useEffect(() => {
    void load();
    ordersApi.schema().then((s) => setSchema(formSchema(s, ['channel', 'totals', 'attachments', 'externalId'])), setError);
  }, [load]);
  if (!drafts) return error ? <ErrorBanner error={error} /> : <Loading />;
  return (
    <div>
      <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
      {done ? (
        <Notice onDismiss={() => setDone(undefined)}>
          {t('drafts.entered', { number: done })} <Link to={`/orders/${done}`}>{done}</Link>
        </Notice>
      ) : null}
      {drafts.length === 0 ? <p className="empty-state">{t('drafts.empty')}</p> : null}
      {drafts.map((d) => (
        <article key={d.id} className="form-card draft">
          <header>
            <strong>{d.source.subject ?? '—'}</strong> · {t('drafts.from')} {d.source.from ?? '—'} · {t('drafts.received')} {f.dateTime(d.source.receivedAt)}
          </header>
          <p className="section-title">{t('drafts.problems')}</p>
          <ul>
            {d.problems.map((p, i) => (
              <li key={i}>
                {p.path}: {p.message}
              </li>
            ))}
          </ul>
          <details>
            <summary>{t('drafts.text')}</summary>
            <pre className="draft-text">{d.text}</pre>
          </details>
          <p>
            <a href={`/api/intake/drafts/${d.id}/original`}>{t('drafts.original')}</a>
          </p>
          {open === d.id && schema ? (
            <OrderForm
              schema={schema}
              submitLabel={t('drafts.enter')}
              onSubmit={async (data) => {
                const order = await ordersApi.enterDraft(d.id, data);
                setDone(order.number);
                setOpen(undefined);
                await load();
              }}
            />
          ) : (
            <div className="form-actions">
              <button type="button" className="btn btn-primary" onClick={() => setOpen(d.id)}>
                {t('drafts.enter')}
              </button>
              <button type="button" className="btn" onClick={() => void ordersApi.discardDraft(d.id).then(load, setError)}>
                {t('drafts.discard')}
              </button>
            </div>
          )}
        </article>
      ))}
    </div>
  );
}
