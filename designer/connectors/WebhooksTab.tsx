/** Webhooks: outbound subscriptions (secret shown once), the delivery log with replay, inbound endpoints. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../app/session';
import { ErrorBanner, Loading } from '../app/ui';
import { ApiError } from '../app/api';
import { NETWORKS, connectorsApi } from './api';
import { useLoad } from '../app/use-load';
import { InboundWebhooks, SecretOnce } from './InboundWebhooks';

export function WebhooksTab() {
  const { t } = useTranslation('connectors');
  const { can } = useSession();
  const subs = useLoad(connectorsApi.subscriptions);
  const deliveries = useLoad(connectorsApi.deliveries);
  const [actionError, setActionError] = useState<unknown>();
  /** a row action: run it, then reload that list; a refusal shows above the tables */
  const act = async (run: () => Promise<unknown>, list: { reload(): void }) => {
    try {
      await run();
      list.reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const manage = can('connectors.manage');
  const subName = (id: string) => subs.data?.find((s) => s.id === id)?.name ?? id;
  return (
    <div>
      {actionError ? <ErrorBanner error={actionError} onDismiss={() => setActionError(undefined)} /> : null}
      <h2 className="section-title">{t('webhooks.subscriptions')}</h2>
      <p className="muted">{t('webhooks.subscriptionsHint')}</p>
      {subs.error ? <ErrorBanner error={subs.error} /> : !subs.data ? <Loading /> : subs.data.length === 0 ? <p className="empty-state">{t('webhooks.empty')}</p> : (
        <table className="table" data-testid="subscriptions">
          <thead>
            <tr>
              <th>{t('webhooks.name')}</th>
              <th>{t('webhooks.url')}</th>
              <th>{t('webhooks.events')}</th>
              <th>{t('webhooks.status')}</th>
              <th className="col-actions" />
            </tr>
          </thead>
          <tbody>
            {subs.data.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>
                  <code>{s.url}</code>
                </td>
                <td>{s.events.join(', ')}</td>
                <td>{s.active ? t('webhooks.active') : t('webhooks.paused')}</td>
                <td className="col-actions">
                  {manage ? (
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      onClick={() => void act(() => connectorsApi.unsubscribe(s.id), subs)}
                    >
                      {t('webhooks.delete')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage ? <Subscribe onCreated={subs.reload} /> : null}

      <h2 className="section-title">{t('webhooks.deliveries')}</h2>
      {deliveries.error ? <ErrorBanner error={deliveries.error} /> : !deliveries.data ? <Loading /> : deliveries.data.length === 0 ? <p className="empty-state">{t('webhooks.noDeliveries')}</p> : (
        <table className="table" data-testid="deliveries">
          <thead>
            <tr>
              <th>{t('webhooks.event')}</th>
              <th>{t('webhooks.name')}</th>
              <th>{t('webhooks.status')}</th>
              <th>{t('webhooks.attempts')}</th>
              <th>{t('webhooks.lastStatus')}</th>
              <th className="col-actions" />
            </tr>
          </thead>
          <tbody>
            {deliveries.data.map((d) => (
              <tr key={d.id}>
                <td>
                  {d.eventType} <span className="muted">{d.eventId}</span>
                </td>
                <td>{subName(d.subscriptionId)}</td>
                <td>{t(`webhooks.statuses.${d.status}`)}</td>
                <td>{d.attempts}</td>
                <td title={d.log.at(-1)?.responseBody ?? d.log.at(-1)?.error ?? ''}>{d.lastStatus ?? d.log.at(-1)?.error ?? ''}</td>
                <td className="col-actions">
                  {manage && d.status !== 'pending' ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => void act(() => connectorsApi.replay(d.id), deliveries)}
                    >
                      {t('webhooks.replay')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <InboundWebhooks manage={manage} act={act} />
    </div>
  );
}

function Subscribe({ onCreated }: { onCreated(): void }) {
  const { t } = useTranslation('connectors');
  const types = useLoad(connectorsApi.eventTypes);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [networks, setNetworks] = useState<string[]>([]);
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<unknown>();
  const issue = (path: string) => (error instanceof ApiError ? error.fieldMessage(path) : undefined);
  const toggle = (list: string[], v: string) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  return (
    <form
      className="form-card"
      aria-label={t('webhooks.create')}
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        try {
          const created = await connectorsApi.subscribe({ name, url, events, allowNetworks: networks });
          setSecret(created.secret);
          setName('');
          setUrl('');
          setEvents([]);
          onCreated();
        } catch (err) {
          setError(err);
        }
      }}
    >
      {secret ? <SecretOnce text={t('webhooks.secretOnce')} secret={secret} /> : null}
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      <div className="form-grid">
        <label className="field">
          <span>{t('webhooks.name')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} />
          {issue('name') ? <span className="field-error">{issue('name')}</span> : null}
        </label>
        <label className="field">
          <span>{t('webhooks.url')}</span>
          <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://" />
          {issue('url') ? <span className="field-error">{issue('url')}</span> : null}
        </label>
      </div>
      <fieldset>
        <legend>{t('webhooks.events')}</legend>
        {(types.data ?? []).map((ev) => (
          <label key={ev} className="check">
            <input type="checkbox" checked={events.includes(ev)} onChange={() => setEvents(toggle(events, ev))} /> {ev}
          </label>
        ))}
        {issue('events') ? <span className="field-error">{issue('events')}</span> : null}
      </fieldset>
      <fieldset>
        <legend>{t('webhooks.networks')}</legend>
        {NETWORKS.map((n) => (
          <label key={n} className="check">
            <input type="checkbox" checked={networks.includes(n)} onChange={() => setNetworks(toggle(networks, n))} /> {t(`networks.${n}`)}
          </label>
        ))}
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!name || !url || events.length === 0}>
          {t('webhooks.create')}
        </button>
      </div>
    </form>
  );
}
