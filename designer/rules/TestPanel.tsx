/** The test panel: one order (pasted, stored or from a test case) with the explanation tree, all test cases, backtest. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BacktestResult as Backtest, RuleSetDecision, RuleSetDocument, TestCaseResult } from '../../workflows/model/rule-set';
import { api } from '../app/api';
import { Badge, ErrorBanner } from '../app/ui';
import { DecisionView } from './DecisionView';
import { formatValue } from './model';
import { useAction } from './useAction';

const pretty = (v: unknown) => JSON.stringify(v ?? {}, null, 2);

export function TestPanel({ ruleSetKey, doc }: { ruleSetKey: string; doc: RuleSetDocument }) {
  const { t } = useTranslation('rules');
  const [orderText, setOrderText] = useState(() => pretty(doc.testCases[0]?.order ?? {}));
  const [factsText, setFactsText] = useState(() => pretty(doc.testCases[0]?.facts ?? {}));
  const [samples, setSamples] = useState<Array<{ id: string; number: string | null; order: Record<string, unknown> }>>();
  const [decision, setDecision] = useState<RuleSetDecision>();
  const [cases, setCases] = useState<{ total: number; passed: number; results: TestCaseResult[] }>();
  const [limit, setLimit] = useState(100);
  const [backtest, setBacktest] = useState<Backtest & { fixedFacts: boolean }>();
  // a backtest runs each stored order on its own data and live facts; the facts box only on request
  const [whatIf, setWhatIf] = useState(false);
  const { busy, error, setError, run } = useAction();
  // rows worth a look: a changed decision, or one the draft would take differently from the flow at the time
  const shown = (backtest?.orders ?? []).filter((o) => o.changed || (o.recorded && o.after && JSON.stringify(o.recorded.outcome) !== JSON.stringify(o.after)));
  const taken = (backtest?.orders ?? []).filter((o) => o.recorded).length;

  useEffect(() => {
    api.get<typeof samples>('/api/rules/sample-orders?limit=20').then(setSamples, () => setSamples([]));
  }, []);

  const parse = () => {
    try {
      return { order: JSON.parse(orderText) as Record<string, unknown>, facts: JSON.parse(factsText || '{}') as Record<string, unknown> };
    } catch {
      setError(new Error(t('test.invalidJson')));
      return undefined;
    }
  };

  return (
    <div className="rules-test">
      <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
      <div className="rules-test-inputs">
        <label>
          {t('test.order')}
          <textarea className="json-text" rows={14} value={orderText} onChange={(e) => setOrderText(e.target.value)} spellCheck={false} />
        </label>
        <label>
          {t('test.facts')}
          <textarea className="json-text" rows={14} value={factsText} onChange={(e) => setFactsText(e.target.value)} spellCheck={false} />
        </label>
      </div>
      <div className="panel-toolbar">
        <select aria-label={t('test.sample')} value="" onChange={(e) => setOrderText(pretty(samples?.find((s) => s.id === e.target.value)?.order))}>
          <option value="">{samples?.length === 0 ? t('test.noSamples') : t('test.sample')}</option>
          {samples?.map((s) => (
            <option key={s.id} value={s.id}>
              {s.number ?? s.id}
            </option>
          ))}
        </select>
        <select
          aria-label={t('test.fromCase')}
          value=""
          onChange={(e) => {
            const tc = doc.testCases[Number(e.target.value)];
            if (!tc) return;
            setOrderText(pretty(tc.order));
            setFactsText(pretty(tc.facts ?? {}));
          }}
        >
          <option value="">{t('test.fromCase')}</option>
          {doc.testCases.map((tc, i) => (
            <option key={i} value={i}>
              {tc.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy}
          onClick={() =>
            run(async () => {
              const input = parse();
              if (input) setDecision(await api.post<RuleSetDecision>(`/api/rule-sets/${ruleSetKey}/test`, { ruleSet: doc, ...input }));
            })
          }
        >
          {t('test.run')}
        </button>
        <button type="button" className="btn" disabled={busy} onClick={() => run(async () => setCases(await api.post(`/api/rule-sets/${ruleSetKey}/test-cases/run`, { ruleSet: doc })))}>
          {t('test.runCases')}
        </button>
        <label className="inline-field">
          {t('test.limit')}
          <input type="number" min={1} max={1000} value={limit} onChange={(e) => setLimit(Number(e.target.value))} />
        </label>
        <label className="check">
          <input type="checkbox" checked={whatIf} onChange={(e) => setWhatIf(e.target.checked)} />
          {t('test.backtestWhatIf')}
        </label>
        <button
          type="button"
          className="btn"
          disabled={busy}
          onClick={() =>
            run(async () => {
              const facts = whatIf ? parse()?.facts : undefined;
              if (whatIf && !facts) return;
              const result = await api.post<Backtest>(`/api/rule-sets/${ruleSetKey}/backtest`, facts ? { ruleSet: doc, limit, facts } : { ruleSet: doc, limit });
              setBacktest({ ...result, fixedFacts: !!facts });
            })
          }
        >
          {t('test.backtest')}
        </button>
      </div>

      {cases ? (
        <section aria-label={t('test.runCases')}>
          <h3>{t('test.cases', { passed: cases.passed, total: cases.total })}</h3>
          <ul className="case-results">
            {cases.results.map((r) => (
              <li key={r.index} className={r.passed ? 'case-pass' : 'case-fail'}>
                <Badge tone={r.passed ? 'ok' : 'warn'}>{r.passed ? t('test.pass') : t('test.fail')}</Badge> {r.name}
                {r.error ? <span className="muted"> — {r.error}</span> : null}
                {r.mismatches.map((k) => (
                  <div key={k} className="muted">
                    {t('test.mismatch', { key: k, expected: JSON.stringify(r.expected[k]), actual: JSON.stringify(r.actual?.[k]) })}
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {backtest ? (
        <section aria-label={t('test.backtest')}>
          <h3>{t('test.backtestSummary', { changed: backtest.changed, total: backtest.total, errors: backtest.errors })}</h3>
          <p className="muted">
            {backtest.baselineVersion ? t('test.baseline', { version: backtest.baselineVersion }) : t('test.noBaseline')} {backtest.fixedFacts ? t('test.backtestFixed') : t('test.backtestOwn')}
          </p>
          {taken > 0 ? <p data-testid="backtest-recorded">{t('test.recordedSummary', { taken, differ: backtest.differFromRecorded })}</p> : null}
          {shown.length ? (
            <table className="table">
              <caption>{t('test.changedOrders')}</caption>
              <thead>
                <tr>
                  <th>{t('test.orderCol')}</th>
                  <th>{t('test.atTheTime')}</th>
                  <th>{t('test.before')}</th>
                  <th>{t('test.after')}</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((o) => (
                  <tr key={o.id}>
                    <td>{o.number ?? o.id}</td>
                    <td>
                      {o.recorded ? (
                        <>
                          <code>{formatValue(o.recorded.outcome)}</code> <span className="muted">{t('test.recordedVersion', { version: o.recorded.version })}</span>
                        </>
                      ) : (
                        <span className="muted">{t('test.notRecorded')}</span>
                      )}
                    </td>
                    <td>
                      <code>{formatValue(o.before)}</code>
                    </td>
                    <td>
                      <code>{formatValue(o.after)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}

      {decision ? <DecisionView decision={decision} /> : null}
    </div>
  );
}
