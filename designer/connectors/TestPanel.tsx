/** "Test this operation": a form generated from the operation's input schema, then the exact exchanges and the outcome. */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import Form from '@rjsf/core';
import { ErrorBanner } from '../app/ui';
import { ApiError } from '../app/api';
import type { OperationView, TestAnswer } from './api';
import { discriminatingValidator, errorSchemaFromIssues, formSchema } from './schema-form';

export function TestPanel(props: { operations: OperationView[]; run(operation: string, input: unknown): Promise<TestAnswer> }) {
  const { t } = useTranslation('connectors');
  const [opId, setOpId] = useState(props.operations[0]?.id ?? '');
  const op = props.operations.find((o) => o.id === opId);
  const schema = useMemo(() => (op ? formSchema(op.inputSchema) : undefined), [op]);
  const [input, setInput] = useState<Record<string, unknown>>({});
  const [answer, setAnswer] = useState<TestAnswer>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  if (!op || !schema) return null;
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <section className="form-card" aria-label={t('test.title')}>
      <h2 className="section-title">{t('test.title')}</h2>
      <label className="field">
        <span>{t('test.operation')}</span>
        <select
          value={opId}
          onChange={(e) => {
            setOpId(e.target.value);
            setInput({});
            setAnswer(undefined);
          }}
        >
          {props.operations.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name} ({o.id})
            </option>
          ))}
        </select>
      </label>
      <div className="conn-rjsf" data-testid="test-input">
        <Form
          key={opId}
          schema={schema}
          formData={input}
          validator={discriminatingValidator}
          noHtml5Validate
          showErrorList={false}
          extraErrors={issues.length ? errorSchemaFromIssues(issues, 'input') : undefined}
          onChange={(e) => setInput((e.formData ?? {}) as Record<string, unknown>)}
          onSubmit={async (e) => {
            setBusy(true);
            setError(undefined);
            try {
              setAnswer(await props.run(opId, e.formData ?? {}));
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? t('test.running') : t('test.run')}
            </button>
          </div>
        </Form>
      </div>
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      {answer ? <TestResult answer={answer} /> : null}
    </section>
  );
}

function TestResult({ answer }: { answer: TestAnswer }) {
  const { t } = useTranslation('connectors');
  const ms = Math.round(answer.durationMs);
  return (
    <div data-testid="test-result">
      {answer.ok ? (
        <p className="conn-ok">{t('test.ok', { ms })}</p>
      ) : (
        <p className="conn-fail">
          {t('test.failed', { ms })}: {answer.error?.message} ({answer.error?.retryable ? t('test.retryable') : t('test.notRetryable')}
          {answer.error?.bpmnErrorCode ? `, ${t('test.bpmnError', { code: answer.error.bpmnErrorCode })}` : ''})
        </p>
      )}
      {answer.ok ? (
        <>
          <h3>{t('test.output')}</h3>
          <pre className="conn-output">{JSON.stringify(answer.output, null, 2)}</pre>
        </>
      ) : null}
      <h3>{t('test.exchanges')}</h3>
      {answer.exchanges.map((x, i) => (
        <div key={i} className="conn-exchange">
          <strong>{t('test.attempt', { n: x.attempt })}</strong> · {Math.round(x.durationMs)} ms{x.retryInMs !== undefined ? ` · ${t('test.retryIn', { ms: x.retryInMs })}` : ''}
          <div>{t('test.request')}</div>
          <pre>{[`${x.request.method} ${x.request.url}`, ...Object.entries(x.request.headers).map(([k, v]) => `${k}: ${v}`), x.request.body ? `\n${x.request.body}` : ''].join('\n')}</pre>
          <div>{t('test.response')}</div>
          <pre>{x.response ? [`${x.response.status}`, ...Object.entries(x.response.headers).map(([k, v]) => `${k}: ${v}`), `\n${x.response.body}`].join('\n') : (x.error ?? t('test.noResponse'))}</pre>
        </div>
      ))}
    </div>
  );
}
