/**
 * A rule-set decision with its explanation tree (each rule fired or not; each condition's fact value,
 * operator, expected value and result, marked ✓/✗). Shown by the test panel and, for the decisions a
 * flow took, on the order page.
 */
import { useTranslation } from 'react-i18next';
import type { ExplanationNode, RuleSetDecision } from '../../workflows/model/rule-set';
import { Badge } from '../app/ui';
import { registerMessages } from '../i18n';
import messages from './i18n';
import { formatValue } from './model';
import './rules.css';

registerMessages(messages);

const pretty = (v: unknown) => JSON.stringify(v ?? {}, null, 2);
const mark = (result: boolean | null) => (result === null ? '–' : result ? '✓' : '✗');

function ExplainNode({ node }: { node: ExplanationNode }) {
  const { t } = useTranslation('rules');
  const cls = `explain-node explain-${node.result === null ? 'skipped' : node.result ? 'true' : 'false'}`;
  if (node.type !== 'condition') {
    return (
      <li className={cls}>
        <span className="explain-mark" aria-label={node.result === null ? t('test.notEvaluated') : String(node.result)}>
          {mark(node.result)}
        </span>{' '}
        <strong>{t(`cond.${node.type}`)}</strong>
        <ul>
          {node.children?.map((c, i) => (
            <ExplainNode key={i} node={c} />
          ))}
        </ul>
      </li>
    );
  }
  return (
    <li className={cls}>
      <span className="explain-mark">{mark(node.result)}</span> <code>{`${node.fact}${node.path ? node.path.slice(1) : ''}${node.params ? ` ${JSON.stringify(node.params)}` : ''}`}</code>{' '}
      {t(`ops.${node.operator}`)} <code>{formatValue(node.value)}</code>
      {node.result === null ? (
        <span className="muted"> — {t('test.notEvaluated')}</span>
      ) : (
        <span className="muted">
          {' '}
          — {t('test.factValue')}: <code>{JSON.stringify(node.factResult)}</code>
          {node.valueResult !== node.value ? (
            <>
              , {t('test.expected')}: <code>{JSON.stringify(node.valueResult)}</code>
            </>
          ) : null}
        </span>
      )}
    </li>
  );
}

export function DecisionView({ decision }: { decision: RuleSetDecision }) {
  const { t } = useTranslation('rules');
  return (
    <div className="decision">
      <h3>{t('test.decision')}</h3>
      <pre className="decision-outcome">{pretty(decision.outcome)}</pre>
      {decision.usedDefault ? <p className="muted">{t('test.usedDefault')}</p> : null}
      {decision.explanation ? (
        <>
          <h3>{t('test.explanation')}</h3>
          <ol className="explain-rules">
            {decision.explanation.rules.map((r) => (
              <li key={r.name} className={r.matched ? 'explain-rule matched' : 'explain-rule'}>
                <span className="explain-mark">{r.matched ? '✓' : '✗'}</span> <strong>{r.name}</strong> <span className="muted">({r.priority})</span>{' '}
                <Badge tone={r.matched ? 'ok' : 'muted'}>{r.matched ? t('test.matched') : t('test.notMatched')}</Badge> {r.decisive ? <Badge tone="info">{t('test.decisive')}</Badge> : null}
                <ul className="explain-tree">
                  <ExplainNode node={r.conditions} />
                </ul>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </div>
  );
}

