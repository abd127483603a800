/**
 * Inbound webhook endpoints of the Webhooks tab: the list with pause/resume, a new signing secret and
 * delete, and the form that adds one (connector, key, message, JSONata business key and variables).
 * A signing secret is shown once, when the endpoint is created or its secret replaced.
 */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../app/api';
import { ErrorBanner, Loading } from '../app/ui';
import { useLoad } from '../app/use-load';
import { connectorsApi } from './api';

type Act = (run: () => Promise<unknown>, list: { reload(): void }) => Promise<void>;

export function InboundWebhooks({ manage, act }: { manage: boolean; act: Act }) {
  const { t } = useTranslation('connectors');
  const inbound = useLoad(connectorsApi.inbound);
  const [shown, setShown] = useState<{ path: string; secret: string }>();
  const rotate = (id: string) =>
    act(async () => {
      const rotated = await connectorsApi.rotateInbound(id);
      setShown({ path: rotated.path, secret: rotated.secret });
    }, inbound);
  return (
    <>
      <h2 className="section-title">{t('webhooks.inbound')}</h2>
      <p className="muted">{t('webhooks.inboundHint')}</p>
      {shown ? <SecretOnce text={t('webhooks.inboundSecretOnce', { path: shown.path })} secret={shown.secret} testId="inbound-secret" /> : null}
      {inbound.error ? <ErrorBanner error={inbound.error} /> : !inbound.data ? <Loading /> : inbound.data.length === 0 ? <p className="empty-state">{t('webhooks.inboundEmpty')}</p> : (
        <table className="table" data-testid="inbound">
          <thead>
            <tr>
              <th>{t('webhooks.name')}</th>
              <th>{t('webhooks.path')}</th>
              <th>{t('webhooks.message')}</th>
              <th>{t('webhooks.businessKey')}</th>
              <th>{t('webhooks.status')}</th>
              <th className="col-actions" />
            </tr>
          </thead>
          <tbody>
            {inbound.data.map((h) => (
              <tr key={h.id}>
                <td>{h.name}</td>
                <td>
                  <code>POST {h.path}</code>
                </td>
                <td>{h.messageName}</td>
                <td>
                  <code>{h.businessKey}</code>
                </td>
                <td>{h.active ? t('webhooks.active') : t('webhooks.paused')}</td>
                <td className="col-actions">
                  {manage ? (
                    <>
                      <button type="button" className="btn btn-small" onClick={() => void act(() => connectorsApi.updateInbound(h.id, { active: !h.active }), inbound)}>
                        {h.active ? t('webhooks.pause') : t('webhooks.resume')}
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => void rotate(h.id)}>
                        {t('webhooks.rotate')}
                      </button>
                      <button type="button" className="btn btn-small btn-danger" onClick={() => void act(() => connectorsApi.deleteInbound(h.id), inbound)}>
                        {t('webhooks.remove')}
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage ? (
        <AddInbound
          onCreated={(created) => {
            setShown(created);
            inbound.reload();
          }}
        />
      ) : null}
    </>
  );
}

/** A signing secret, shown once after it was made: `text` says what it signs. */
export function SecretOnce({ text, secret, testId }: { text: string; secret: string; testId?: string }) {
  return (
    <div className="secret-once" data-testid={testId}>
      {text} <code className="secret-value">{secret}</code>
    </div>
  );
}

const EMPTY = { connectorId: '', key: '', name: '', messageName: '', businessKey: 'body.orderNumber', variables: '', toleranceSec: 300 };

function AddInbound({ onCreated }: { onCreated(created: { path: string; secret: string }): void }) {
  const { t } = useTranslation('connectors');
  const connectors = useLoad(connectorsApi.list);
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<unknown>();
  const issue = (path: string) => (error instanceof ApiError ? error.fieldMessage(path) : undefined);
  const set = (field: keyof typeof EMPTY) => (e: { target: { value: string } }) => setForm({ ...form, [field]: field === 'toleranceSec' ? Number(e.target.value) : e.target.value });
  const field = (name: keyof typeof EMPTY, label: string, input: ReactNode) => (
    <label className="field">
      <span>{label}</span>
      {input}
      {issue(name) ? <span className="field-error">{issue(name)}</span> : null}
    </label>
  );
  return (
    <form
      className="form-card"
      aria-label={t('webhooks.inboundCreate')}
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        try {
          const created = await connectorsApi.createInbound({ ...form, variables: form.variables.trim() || undefined });
          setForm(EMPTY);
          onCreated({ path: created.path, secret: created.secret });
        } catch (err) {
          setError(err);
        }
      }}
    >
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      <div className="form-grid">
        {field(
          'connectorId',
          t('webhooks.connector'),
          <select value={form.connectorId} onChange={set('connectorId')}>
            <option value="" />
            {(connectors.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.id})
              </option>
            ))}
          </select>,
        )}
        {field('key', t('webhooks.key'), <input value={form.key} onChange={set('key')} placeholder="shipment-dispatched" />)}
        {field('name', t('webhooks.name'), <input value={form.name} onChange={set('name')} />)}
        {field('messageName', t('webhooks.message'), <input value={form.messageName} onChange={set('messageName')} placeholder="shipment.dispatched" />)}
        {field('businessKey', t('webhooks.businessKey'), <input value={form.businessKey} onChange={set('businessKey')} spellCheck={false} />)}
        {field('variables', t('webhooks.variables'), <input value={form.variables} onChange={set('variables')} spellCheck={false} />)}
        {field('toleranceSec', t('webhooks.tolerance'), <input type="number" min={30} max={3600} value={form.toleranceSec} onChange={set('toleranceSec')} />)}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!form.connectorId || !form.key || !form.name || !form.messageName || !form.businessKey}>
          {t('webhooks.inboundCreate')}
        </button>
      </div>
    </form>
  );
}
