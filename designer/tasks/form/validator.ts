/**
 * The CSP-safe rjsf validator: the server compiles the form's JSON Schema into ajv standalone code
 * (GET /api/inbox/forms/:key/validator.js, an ES module from our own origin, so `script-src 'self'`
 * allows it); this file hands that module the few ajv run-time helpers it references and wraps the
 * functions in rjsf's precompiled validator. Nothing is compiled in the browser.
 */
import { createPrecompiledValidator } from '@rjsf/validator-ajv8';
import type { RJSFSchema, ValidatorType } from '@rjsf/utils';
import equal from 'ajv/dist/runtime/equal';
import ucs2length from 'ajv/dist/runtime/ucs2length';
import uri from 'ajv/dist/runtime/uri';
import validationError from 'ajv/dist/runtime/validation_error';
import * as formats from 'ajv-formats/dist/formats';
import type { FormValidatorFactory, FormValidatorRuntimeId } from '../../../server/contracts/form-validator';
import { tasksApi } from '../api';

const RUNTIME: Record<FormValidatorRuntimeId, unknown> = {
  'ajv/dist/runtime/equal': { default: equal },
  'ajv/dist/runtime/ucs2length': { default: ucs2length },
  'ajv/dist/runtime/uri': { default: uri },
  'ajv/dist/runtime/validation_error': { default: validationError },
  'ajv-formats/dist/formats': formats,
};

const loaded = new Map<string, Promise<FormValidatorFactory>>();

/** Loads (once per form) the server-compiled validators and returns rjsf's validator for this schema. */
export async function loadFormValidator(formKey: string, schema: RJSFSchema): Promise<ValidatorType> {
  let factory = loaded.get(formKey);
  if (!factory) {
    const url = tasksApi.validatorUrl(formKey);
    factory = import(/* @vite-ignore */ url).then((m: { default: FormValidatorFactory }) => m.default);
    loaded.set(formKey, factory);
    factory.catch(() => loaded.delete(formKey));
  }
  const fns = (await factory)(RUNTIME);
  return createPrecompiledValidator(fns as never, schema);
}
