import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import equal from 'ajv/dist/runtime/equal';
import ucs2length from 'ajv/dist/runtime/ucs2length';
import uri from 'ajv/dist/runtime/uri';
import validationError from 'ajv/dist/runtime/validation_error';
import * as formats from 'ajv-formats/dist/formats';
import { FORM_VALIDATOR_RUNTIME, type FormValidatorFactory } from '../../contracts/form-validator';
import { FormValidatorCache, formValidatorModule } from './form-validator';

// the same helpers the designer hands to the module (designer/tasks/form/validator.ts)
const runtime = {
  'ajv/dist/runtime/equal': { default: equal },
  'ajv/dist/runtime/ucs2length': { default: ucs2length },
  'ajv/dist/runtime/uri': { default: uri },
  'ajv/dist/runtime/validation_error': { default: validationError },
  'ajv-formats/dist/formats': formats,
};

type Fn = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string }> | null };

/** Loads the ES module text as CommonJS (jest has no ESM loader; the browser imports it as is, see tests/e2e/tasks). */
function load(code: string): Record<string, Fn> {
  expect(code).toMatch(/^\/\/ Ordo: precompiled validators/);
  expect(code).toContain('export default function formValidators(runtime)');
  expect(code).not.toMatch(/new Function|eval\(/);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-fv-')), 'v.cjs');
  fs.writeFileSync(file, code.replace('export default function', 'module.exports = function'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the generated module is loaded from a temp file
  return (require(file) as FormValidatorFactory)(runtime as never) as Record<string, Fn>;
}

const errorsOf = (fn: Fn, data: unknown) => (fn(data) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`).sort());

const review = {
  type: 'object',
  required: ['decision'],
  properties: {
    decision: { type: 'string', enum: ['approve', 'reject'] },
    reason: { type: 'string', maxLength: 10 },
    reviewedAt: { type: 'string', format: 'date-time' },
    lines: { type: 'array', uniqueItems: true, items: { type: 'object', required: ['sku', 'quantity'], properties: { sku: { type: 'string', pattern: '^[A-Z0-9-]+$' }, quantity: { type: 'integer', minimum: 1 } } } },
    kind: { oneOf: [{ const: 'a' }, { const: 'b' }] },
  },
};

describe('task form validators precompiled on the server', () => {
  it('given a form schema, when its module runs with the helpers the designer ships, then it validates like ajv, and the oneOf options are precompiled too', async () => {
    expect(Object.keys(runtime).sort()).toEqual([...FORM_VALIDATOR_RUNTIME].sort());
    const fns = load(await formValidatorModule(review));
    const root = Object.values(fns).find((fn) => errorsOf(fn, {}).includes(' required'))!;
    expect(errorsOf(root, { decision: 'approve', lines: [{ sku: 'AB-1', quantity: 2 }], kind: 'a' })).toEqual([]);
    expect(errorsOf(root, { decision: 'maybe', reason: 'far too long a reason', reviewedAt: 'yesterday', lines: [{ sku: 'ab 1', quantity: 0 }] })).toEqual([
      '/decision enum',
      '/lines/0/quantity minimum',
      '/lines/0/sku pattern',
      '/reason maxLength',
      '/reviewedAt format',
    ]);
    // rjsf asks isValid() for each oneOf option while rendering: those are in the map as well
    expect(Object.values(fns).filter((fn) => errorsOf(fn, 'b').length === 0).length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(fns).length).toBeGreaterThanOrEqual(3);
  });

  it('given a JSON Schema 2020-12 form, then it compiles with the 2020 dialect', async () => {
    const s = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { n: { type: 'number', exclusiveMinimum: 0 } }, required: ['n'] };
    const [fn] = Object.values(load(await formValidatorModule(s)));
    expect(errorsOf(fn, { n: 0 })).toEqual(['/n exclusiveMinimum']);
    expect(errorsOf(fn, { n: 1 })).toEqual([]);
  });

  it('given a broken schema, then it is refused with a 422; the cache compiles each schema once', async () => {
    await expect(formValidatorModule({ type: 'object', properties: { x: { type: 'nonsense' } } })).rejects.toMatchObject({ status: 422 });
    const cache = new FormValidatorCache(2);
    const first = await cache.get(review);
    const again = await cache.get(JSON.parse(JSON.stringify(review)));
    expect(again.code).toBe(first.code);
    expect(first.hash).toMatch(/^[0-9a-f]{16}$/);
  });
});
