/** Reports over the order rollups: charts (recharts) and CSV exports for a date range. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Cell, Legend, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { CHANNELS, ORDER_STATUSES } from '../../workflows/model/order';
import { api } from '../app/api';
import { useLoad } from '../app/use-load';
import { ErrorBanner, Field, Loading, PageHeader } from '../app/ui';
import { registerMessages } from '../i18n';
import { useFormat } from '../i18n/format';
import ordersMessages from '../orders/i18n';
import messages from './i18n';
import './reports.css';

registerMessages(messages);
registerMessages(ordersMessages);

interface OrdersReport {
  from: string;
  to: string;
  totals: { orders: number };
  perDay: Array<{ day: string; total: number; channel: Record<string, number>; status: Record<string, number> }>;
  reviewOutcomes: { approved: number; rejected: number; manual: number; reopened: number };
  allocationByWarehouse: Array<{ warehouse: string; orders: number }>;
  cycleTimes: Array<{ step: string; count: number; medianMs: number | null; p90Ms: number | null; slaMs: number | null; breaches: number }>;
  slaBreaches: { total: number; open: number; openByStep: Record<string, number> };
  slaBreachesByWarehouse: Array<{ warehouse: string | null; breaches: number; open: number; byStep: Record<string, number>; openByStep: Record<string, number> }>;
  topSkus: Array<{ sku: string; quantity: number; orders: number }>;
  generatedInMs: number;
}

const CSV_KINDS = ['per-day', 'cycle-times', 'top-skus', 'warehouses', 'sla-warehouses', 'review'] as const;
const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#4b5563', '#db2777', '#65a30d', '#7c3aed', '#0d9488'];
const day = (d: Date) => d.toISOString().slice(0, 10);
const hours = (ms: number | null) => (ms === null ? null : Math.round((ms / 3_600_000) * 100) / 100);

function Chart({ title, children }: { title: string; children: React.ReactElement }) {
  return (
    <section className="report-chart">
      <h2 className="section-title">{title}</h2>
      <div style={{ width: '100%', height: 260 }}>
        <ResponsiveContainer>{children}</ResponsiveContainer>
      </div>
    </section>
  );
}

/** Warehouse × step: breaches of finished steps and orders over target now. */
function SlaByWarehouse({ rows, steps }: { rows: OrdersReport['slaBreachesByWarehouse']; steps: string[] }) {
  const { t } = useTranslation('reports');
  const f = useFormat();
  const shown = steps.filter((s) => rows.some((w) => w.byStep[s] || w.openByStep[s]));
  if (!rows.length) return null;
  return (
    <section className="report-sla-warehouses">
      <h2 className="section-title">{t('charts.slaByWarehouseTable')}</h2>
      <p className="muted">{t('labels.slaCell')}</p>
      <table className="table">
        <thead>
          <tr>
            <th>{t('labels.warehouse')}</th>
            {shown.map((s) => (
              <th key={s} className="num">
                {t(`orders:status.${s}`)}
              </th>
            ))}
            <th className="num">{t('labels.total')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((w) => (
            <tr key={w.warehouse ?? ''}>
              <td>{w.warehouse ?? <span className="muted">{t('labels.unallocated')}</span>}</td>
              {shown.map((s) => (
                <td key={s} className="num">
                  {f.number(w.byStep[s] ?? 0)} / {f.number(w.openByStep[s] ?? 0)}
                </td>
              ))}
              <td className="num">
                {f.number(w.breaches)} / {f.number(w.open)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default function ReportsPage() {
  const { t } = useTranslation('reports');
  const f = useFormat();
  const [range, setRange] = useState({ from: day(new Date(Date.now() - 29 * 86_400_000)), to: day(new Date()) });
  const [draft, setDraft] = useState(range);
  // a slow answer for an earlier range must not replace the one asked for since
  const { data: report, error } = useLoad(() => api.get<OrdersReport>(`/api/reports/orders?from=${range.from}&to=${range.to}`), [range]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setRange(draft);
  };
  const status = (s: string) => t(`orders:status.${s}`);
  const channel = (c: string) => t(`orders:channel.${c}`);

  return (
    <div className="page reports-page">
      <PageHeader title={t('title')}>
        {CSV_KINDS.map((k) => (
          <a key={k} className="btn btn-small" href={`/api/reports/orders.csv?kind=${k}&from=${range.from}&to=${range.to}`} download>
            {t('export')}: {t(`exports.${k}`)}
          </a>
        ))}
      </PageHeader>
      <form className="panel-toolbar" onSubmit={submit}>
        <Field label={t('from')}>{(id) => <input id={id} type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />}</Field>
        <Field label={t('to')}>{(id) => <input id={id} type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />}</Field>
        <button type="submit" className="btn btn-primary">
          {t('apply')}
        </button>
      </form>
      <ErrorBanner error={error} />
      {!report ? (
        error ? null : <Loading />
      ) : (
        <>
          <p className="muted">
            {t('orders', { count: report.totals.orders })} · {f.date(report.from)} – {f.date(report.to)} · {t('generated', { ms: report.generatedInMs })}
          </p>
          {report.totals.orders === 0 ? <p className="empty-state">{t('empty')}</p> : null}
          <div className="report-grid">
            <Chart title={t('charts.perDayByChannel')}>
              <BarChart data={report.perDay.map((d) => ({ day: d.day.slice(5), ...d.channel }))}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                {CHANNELS.map((c, i) => (
                  <Bar key={c} dataKey={c} name={channel(c)} stackId="c" fill={PALETTE[i]} />
                ))}
              </BarChart>
            </Chart>
            <Chart title={t('charts.statusMix')}>
              <BarChart data={report.perDay.map((d) => ({ day: d.day.slice(5), ...d.status }))}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                {ORDER_STATUSES.map((s, i) => (
                  <Bar key={s} dataKey={s} name={status(s)} stackId="s" fill={PALETTE[i % PALETTE.length]} />
                ))}
              </BarChart>
            </Chart>
            <Chart title={t('charts.reviewOutcomes')}>
              <PieChart>
                <Tooltip />
                <Legend />
                <Pie data={(Object.keys(report.reviewOutcomes) as Array<keyof OrdersReport['reviewOutcomes']>).map((k) => ({ name: t(`labels.${k}`), value: report.reviewOutcomes[k] }))} dataKey="value" nameKey="name" outerRadius={90}>
                  {Object.keys(report.reviewOutcomes).map((k, i) => (
                    <Cell key={k} fill={PALETTE[i]} />
                  ))}
                </Pie>
              </PieChart>
            </Chart>
            <Chart title={t('charts.warehouses')}>
              <BarChart data={report.allocationByWarehouse}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="warehouse" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="orders" name={t('labels.orders')} fill={PALETTE[0]} />
              </BarChart>
            </Chart>
            <Chart title={t('charts.cycleTimes')}>
              <BarChart data={report.cycleTimes.map((c) => ({ step: status(c.step), median: hours(c.medianMs), p90: hours(c.p90Ms), target: hours(c.slaMs) }))}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="step" />
                <YAxis />
                <Tooltip />
                <Legend />
                <Bar dataKey="median" name={t('labels.median')} fill={PALETTE[0]} />
                <Bar dataKey="p90" name={t('labels.p90')} fill={PALETTE[2]} />
                <Bar dataKey="target" name={t('labels.target')} fill={PALETTE[6]} />
              </BarChart>
            </Chart>
            <Chart title={t('charts.sla')}>
              <BarChart data={report.cycleTimes.map((c) => ({ step: status(c.step), breaches: c.breaches, open: report.slaBreaches.openByStep[c.step] ?? 0 }))}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="step" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="breaches" name={t('labels.breaches')} fill={PALETTE[4]} />
                <Bar dataKey="open" name={t('labels.open')} fill={PALETTE[2]} />
              </BarChart>
            </Chart>
            <Chart title={t('charts.slaByWarehouse')}>
              <BarChart data={report.slaBreachesByWarehouse.map((w) => ({ warehouse: w.warehouse ?? t('labels.unallocated'), breaches: w.breaches, open: w.open }))}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="warehouse" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="breaches" name={t('labels.breaches')} stackId="w" fill={PALETTE[4]} />
                <Bar dataKey="open" name={t('labels.open')} stackId="w" fill={PALETTE[2]} />
              </BarChart>
            </Chart>
          </div>
          <SlaByWarehouse rows={report.slaBreachesByWarehouse} steps={report.cycleTimes.map((c) => c.step)} />
          <h2 className="section-title">{t('charts.topSkus')}</h2>
          <table className="table">
            <thead>
              <tr>
                <th>{t('labels.sku')}</th>
                <th className="num">{t('labels.quantity')}</th>
                <th className="num">{t('labels.orders')}</th>
              </tr>
            </thead>
            <tbody>
              {report.topSkus.map((s) => (
                <tr key={s.sku}>
                  <td>{s.sku}</td>
                  <td className="num">{f.number(s.quantity)}</td>
                  <td className="num">{f.number(s.orders)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
