import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorBanner, Loading, PageHeader } from '../app/ui';
import { useSession } from '../app/session';
import { useFormat } from '../i18n/format';
import type { RuleSetDecision, RuleSetExplanation } from '../../workflows/model/rule-set';
import { DecisionView } from '../rules/DecisionView';
import { ordersApi, type OrderDetail as Detail } from './api';
import { StatusBadge } from './parts';
import { PrintPanel } from './PrintPanel';

const CANCELLABLE = ['received', 'in-review', 'on-hold', 'approved', 'allocated', 'printed', 'packed'];
const HOLDABLE = ['received', 'in-review', 'approved', 'allocated', 'printed', 'packed'];

/** A business-rule task's decision as the flow history keeps it (engine/ports RuleDecision). */
interface FlowDecision {
  ruleSet: { key: string; version: number };
  outcome: RuleSetDecision['outcome'];
  explanation: RuleSetExplanation;
}

function flowDecision(detail: unknown): FlowDecision | undefined {
  const d = detail as Partial<FlowDecision> | null | undefined;
  return d && typeof d === 'object' && d.ruleSet && d.outcome && Array.isArray(d.explanation?.rules) ? (d as FlowDecision) : undefined;
}

/** One order: lines and totals, status and current step, ETA with its basis, the timeline, and the actions the flow allows. */
export function OrderDetail() {
  const { number = '' } = useParams();
  const { t } = useTranslation('orders');
  const f = useFormat();
  const { can } = useSession();
  const [order, setOrder] = useState<Detail>();
  const [error, setError] = useState<unknown>();
  const [pending, setPending] = useState<'cancel' | 'hold' | 'release'>();
  const [reason, setReason] = useState('');

  const load = useCallback(async () => {
    try {
      setOrder(await ordersApi.get(number));
    } catch (err) {
      setError(err);
    }
  }, [number]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async () => {
    if (!pending) return;
    setError(undefined);
    try {
      await ordersApi.act(number, pending, reason || undefined);
      setPending(undefined);
      setReason('');
      await load();
    } catch (err) {
      setError(err);
    }
  };

  if (!order) return error ? <ErrorBanner error={error} /> : <Loading />;
  const o = order;
  const money = (n: number) => f.currency(n, o.currency);
  const a = o.shippingAddress;
  const historySteps = o.eta.steps.filter((s) => s.source === 'history').length;
  const actions = [
    CANCELLABLE.includes(o.status) && ('cancel' as const),
    HOLDABLE.includes(o.status) && ('hold' as const),
    o.status === 'on-hold' && ('release' as const),
  ].filter(Boolean) as Array<'cancel' | 'hold' | 'release'>;

  return (
    <div className="order-detail">
      <p>
        <Link to="/orders">← {t('detail.back')}</Link>
      </p>
      <PageHeader title={o.number}>
        <StatusBadge status={o.status} />
        {can('orders.cancel')
          ? actions.map((action) => (
              <button key={action} type="button" className={action === 'cancel' ? 'btn btn-danger btn-small' : 'btn btn-small'} onClick={() => setPending(action)}>
                {t(`detail.actions.${action}`)}
              </button>
            ))
          : null}
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
      {pending ? (
        <div className="inline-confirm">
          <label>
            {t('detail.actions.reason')} <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="button" className="btn btn-primary btn-small" onClick={() => void act()}>
            {t('detail.actions.confirm')}: {t(`detail.actions.${pending}`)}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setPending(undefined)}>
            {t('common:actions.cancel')}
          </button>
        </div>
      ) : null}

      <div className="order-facts">
        <section>
          <h2 className="section-title">{t('detail.currentStep')}</h2>
          <p>
            {t(`status.${o.status}`)} {o.currentStep && o.currentStep !== o.status ? `(${o.currentStep})` : ''} · {t('detail.since', { when: f.relative(o.statusSince) })}
          </p>
          <p className="muted">
            {t('detail.flow')}: {t(`detail.flowStatus.${o.flow.status}`)}
          </p>
        </section>
        <section>
          <h2 className="section-title">{t('detail.eta')}</h2>
          <p className="eta">{o.eta.eta ? f.dateTime(o.eta.eta) : t('detail.etaNone')}</p>
          {o.eta.eta ? <p className="muted">{historySteps ? t('detail.basisHistory', { count: o.eta.sampleSize }) : t('detail.basisSla')}</p> : null}
        </section>
        <section>
          <h2 className="section-title">{t('detail.customer')}</h2>
          <p>
            {o.customer.name}
            {o.customer.company ? `, ${o.customer.company}` : ''}
            <br />
            {o.customer.email}
            {o.customer.phone ? ` · ${o.customer.phone}` : ''}
          </p>
          <p className="muted">
            {t(`channel.${o.channel}`)}
            {o.externalId ? ` · ${t('detail.external')}: ${o.externalId}` : ''} · {t('detail.priority')}: {o.priority}
          </p>
        </section>
        <section>
          <h2 className="section-title">{t('detail.shipTo')}</h2>
          <p>
            {[a.name, a.company, a.line1, a.line2, `${a.postcode} ${a.city}`, a.region, a.country].filter(Boolean).map((l, i) => (
              <span key={i}>
                {l}
                <br />
              </span>
            ))}
          </p>
          {o.allocation?.warehouse || o.allocation?.lines?.length ? (
            <p className="muted allocation">
              {t('detail.allocation')}: {o.allocation.lines?.length ? o.allocation.lines.map((l) => `${l.sku} × ${f.number(l.quantity)} → ${l.warehouse}`).join(', ') : o.allocation.warehouse}
              {o.allocation.plannedShipDate ? ` · ${f.date(o.allocation.plannedShipDate)}` : ''}
            </p>
          ) : null}
          {o.shipment?.carrier ? (
            <p className="muted">
              {t('detail.shipment')}: {o.shipment.carrier} {o.shipment.trackingNumber ?? ''}
            </p>
          ) : null}
        </section>
      </div>

      <h2 className="section-title">{t('detail.lines')}</h2>
      {o.totalsMismatch && o.claimedTotals ? <div className="banner banner-error">{t('detail.totalsMismatch', { claimed: JSON.stringify(o.claimedTotals) })}</div> : null}
      <table className="table">
        <thead>
          <tr>
            <th>{t('detail.sku')}</th>
            <th>{t('detail.product')}</th>
            <th className="num">{t('detail.quantity')}</th>
            <th>{t('detail.unit')}</th>
            <th className="num">{t('detail.unitPrice')}</th>
            <th className="num">{t('detail.lineTotal')}</th>
          </tr>
        </thead>
        <tbody>
          {o.lines.map((l, i) => (
            <tr key={i}>
              <td>{l.sku}</td>
              <td>{l.name}</td>
              <td className="num">{f.number(l.quantity)}</td>
              <td>{l.unit}</td>
              <td className="num">{money(l.unitPrice)}</td>
              <td className="num">{money(l.lineTotal)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {(['subtotal', 'shipping', 'tax', 'total'] as const).map((k) => (
            <tr key={k} className={k === 'total' ? 'total-row' : undefined}>
              <td colSpan={5} className="num">
                {t(`detail.${k}`)}
              </td>
              <td className="num">{money(o.totals[k])}</td>
            </tr>
          ))}
        </tfoot>
      </table>
      {o.notes ? (
        <p>
          <strong>{t('detail.notes')}:</strong> {o.notes}
        </p>
      ) : null}

      <PrintPanel orderNumber={o.number} />

      <h2 className="section-title">{t('detail.timeline')}</h2>
      <ol className="timeline">
        {o.timeline.map((e, i) => {
          const decision = flowDecision(e.detail);
          return (
            <li key={i} className={decision ? `timeline-${e.kind} timeline-decision` : `timeline-${e.kind}`}>
              <time dateTime={e.at}>{f.dateTime(e.at)}</time>
              <span className="timeline-kind">{t(`detail.kinds.${e.kind}`)}</span>
              {e.status ? <StatusBadge status={e.status} /> : null}
              <span className="timeline-message">
                {decision ? t('detail.decision', { step: e.step ?? '', decision: String(decision.outcome.decision), key: decision.ruleSet.key, version: decision.ruleSet.version }) : e.message}
              </span>
              {e.actor ? <span className="muted"> · {e.actor}</span> : null}
              {decision ? (
                <details className="timeline-why">
                  <summary>{t('detail.why')}</summary>
                  <DecisionView decision={{ outcome: decision.outcome, usedDefault: decision.outcome.rules?.length === 0, explanation: decision.explanation }} />
                </details>
              ) : e.detail !== undefined ? (
                <details>
                  <summary>…</summary>
                  <pre>{JSON.stringify(e.detail, null, 2)}</pre>
                </details>
              ) : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
