/**
 * A task's form: @rjsf/core from the form's JSON Schema and UI schema, order lines as a grid,
 * validated in the browser by the server-precompiled validator (CSP-safe) and again by the server on
 * complete; the server's field errors are shown under the fields they name.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { localizeForm } from './localize';
import Form from '@rjsf/core';
import { englishStringTranslator, TranslatableString, type ErrorSchema, type RJSFSchema, type RJSFValidationError, type UiSchema, type ValidatorType } from '@rjsf/utils';
import type { TaskFormView } from '../../../workflows/bpmn/views';
import { ApiError } from '../../app/api';
import { ErrorBanner, Loading } from '../../app/ui';
import { LinesGrid, withGrids } from './LinesGrid';
import { errorSchemaFromIssues } from './issues';
import { loadFormValidator } from './validator';

const FIELDS = { linesGrid: LinesGrid };

/** rjsf's own words, translated; anything rare falls back to rjsf's English. */
const RJSF_KEYS: Partial<Record<TranslatableString, string>> = {
  [TranslatableString.ArrayItemTitle]: 'form.rjsf.item',
  [TranslatableString.EmptyArray]: 'form.noLines',
  [TranslatableString.YesLabel]: 'form.rjsf.yes',
  [TranslatableString.NoLabel]: 'form.rjsf.no',
  [TranslatableString.AddButton]: 'form.rjsf.add',
  [TranslatableString.AddItemButton]: 'form.addLine',
  [TranslatableString.RemoveButton]: 'form.rjsf.remove',
  [TranslatableString.MoveUpButton]: 'form.rjsf.moveUp',
  [TranslatableString.MoveDownButton]: 'form.rjsf.moveDown',
  [TranslatableString.CopyButton]: 'form.rjsf.copy',
  [TranslatableString.ErrorsLabel]: 'form.rjsf.errors',
  [TranslatableString.ClearLabel]: 'form.rjsf.clear',
  [TranslatableString.NowLabel]: 'form.rjsf.now',
};

const ERROR_KEYS: Record<string, string> = {
  required: 'required',
  type: 'type',
  minimum: 'minimum',
  exclusiveMinimum: 'exclusiveMinimum',
  maximum: 'maximum',
  exclusiveMaximum: 'exclusiveMaximum',
  minLength: 'minLength',
  maxLength: 'maxLength',
  pattern: 'pattern',
  format: 'format',
  enum: 'enum',
  const: 'enum',
  minItems: 'minItems',
  maxItems: 'maxItems',
  multipleOf: 'multipleOf',
};

export interface TaskFormProps {
  form: TaskFormView;
  initialData?: Record<string, unknown> | null;
  /** not claimed by the caller: shown, not editable */
  readOnly: boolean;
  submitLabel: string;
  /** completes the task; throws ApiError with field issues when the server refuses */
  onSubmit(data: Record<string, unknown>): Promise<void>;
}

export function TaskForm({ form, initialData, readOnly, submitLabel, onSubmit }: TaskFormProps) {
  const { t, i18n } = useTranslation('tasks');
  const schema = form.schema as RJSFSchema;
  const uiSchema = useMemo(() => withGrids(schema, localizeForm(form, i18n.language).uiSchema as UiSchema), [schema, form, i18n.language]);
  const [validator, setValidator] = useState<ValidatorType>();
  const [loadError, setLoadError] = useState<unknown>();
  const [data, setData] = useState<Record<string, unknown>>(initialData ?? {});
  const [serverErrors, setServerErrors] = useState<ErrorSchema>();
  const [submitError, setSubmitError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    loadFormValidator(form.key, schema).then(
      (v) => live && setValidator(v),
      (err) => live && setLoadError(err),
    );
    return () => {
      live = false;
    };
  }, [form.key, schema]);

  const transformErrors = (errors: RJSFValidationError[]) =>
    errors.map((e) => {
      const key = ERROR_KEYS[e.name ?? ''] ?? 'invalid';
      const params = (e.params ?? {}) as Record<string, unknown>;
      const message = t(`form.errors.${key}`, { limit: params.limit ?? '', format: params.format ?? '', type: params.type ?? '', multiple: params.multipleOf ?? '' });
      return { ...e, message, stack: `${e.property ?? ''} ${message}`.trim() };
    });

  const translateString = (s: TranslatableString, params?: string[]) => {
    const key = RJSF_KEYS[s];
    return key ? t(key) : englishStringTranslator(s, params);
  };

  if (loadError) return <ErrorBanner error={loadError instanceof ApiError ? loadError : new ApiError(0, t('form.validatorFailed'))} />;
  if (!validator) return <Loading />;

  return (
    <div className="task-form" data-form-key={form.key}>
      {submitError ? <ErrorBanner error={submitError} onDismiss={() => setSubmitError(undefined)} /> : null}
      <Form
        schema={schema}
        uiSchema={uiSchema}
        formData={data}
        validator={validator}
        fields={FIELDS}
        disabled={readOnly || busy}
        showErrorList={false}
        noHtml5Validate
        // rjsf 6 fills a required boolean with false unless told not to: a review would be silently "rejected"
        experimental_defaultFormStateBehavior={{ requiredBooleanDefault: 'skip' }}
        extraErrors={serverErrors}
        transformErrors={transformErrors}
        // the errors show under their fields; without a handler rjsf also logs them as console errors
        onError={() => setSubmitError(undefined)}
        translateString={translateString}
        onChange={(e) => {
          setData((e.formData ?? {}) as Record<string, unknown>);
          if (serverErrors) setServerErrors(undefined);
        }}
        onSubmit={async (e) => {
          setBusy(true);
          setSubmitError(undefined);
          setServerErrors(undefined);
          try {
            await onSubmit((e.formData ?? {}) as Record<string, unknown>);
          } catch (err) {
            if (err instanceof ApiError && err.issues.length) setServerErrors(errorSchemaFromIssues(err.issues, (m) => t('form.errors.server', { message: m })));
            setSubmitError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={readOnly || busy}>
            {busy ? t('form.submitting') : submitLabel}
          </button>
          {readOnly ? <span className="muted">{t('form.claimFirst')}</span> : null}
        </div>
      </Form>
    </div>
  );
}
