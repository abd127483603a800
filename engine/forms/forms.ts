/**
 * User-task forms: `<key>.form.json` files ({ key, title, schema, uiSchema }) in workflows/forms,
 * read once, and the ajv validation of submitted data (the same validator rjsf uses in the browser).
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ConfigError, ValidationError, type FieldIssue } from '../../workflows/model/errors';
import type { FormRegistry } from '../ports';
import type { FormTranslation } from '../../workflows/bpmn/views';

export interface FormDefinition {
  key: string;
  title?: string;
  schema: Record<string, unknown>;
  uiSchema?: Record<string, unknown>;
  /** the form's texts in other languages (titles only: validation is the schema's) */
  translations?: Record<string, FormTranslation>;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

export function ajvIssues(errors: ErrorObject[] | null | undefined): FieldIssue[] {
  return (errors ?? []).map((e) => {
    const segs = e.instancePath.split('/').filter(Boolean);
    if (e.keyword === 'required') segs.push(String((e.params as { missingProperty: string }).missingProperty));
    if (e.keyword === 'additionalProperties') segs.push(String((e.params as { additionalProperty: string }).additionalProperty));
    return { path: segs.join('.') || '(root)', message: e.keyword === 'additionalProperties' ? 'is not a field of this form' : (e.message ?? 'is invalid') };
  });
}

/** Throws ValidationError (400) naming every failing field. */
export function validateFormData(form: { key: string; schema: Record<string, unknown> }, data: unknown): void {
  const validate = validatorFor(form.schema);
  if (!validate(data)) throw new ValidationError(`The data does not match the form "${form.key}"`, ajvIssues(validate.errors));
}

/** Reads every *.form.json of a folder; a form whose schema does not compile stops the start. */
export class FileFormRegistry implements FormRegistry {
  private readonly forms = new Map<string, FormDefinition>();

  constructor(dir: string) {
    if (!fs.existsSync(dir)) return;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.form.json')).sort()) {
      const raw = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Partial<FormDefinition>;
      const key = raw.key ?? file.replace(/\.form\.json$/, '');
      if (!raw.schema || typeof raw.schema !== 'object') throw new ConfigError(`Form ${file} has no schema`);
      try {
        validatorFor(raw.schema);
      } catch (err) {
        throw new ConfigError(`Form ${file} has an invalid JSON Schema: ${(err as Error).message}`);
      }
      this.forms.set(key, { key, title: raw.title, schema: raw.schema, uiSchema: raw.uiSchema, translations: raw.translations });
    }
  }

  async get(formKey: string): Promise<FormDefinition | undefined> {
    return this.forms.get(formKey);
  }

  list(): FormDefinition[] {
    return [...this.forms.values()];
  }
}
