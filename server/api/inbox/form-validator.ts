/**
 * Turns a task form's JSON Schema into an ES module of precompiled validators for the browser
 * (rjsf's compileSchemaValidatorsCode = ajv standalone code, with the same ajv options and the same
 * schema keys rjsf uses on the client). The module reaches ajv's run-time helpers only through its
 * `runtime` argument, so the browser runs it under `script-src 'self'` with no eval. Modules are
 * cached by schema hash.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FORM_VALIDATOR_RUNTIME } from '../../contracts/form-validator';
import { UnprocessableError } from '../../../workflows/model/errors';

const REQUIRE = /require\("([^"]+)"\)/g;

export function schemaHash(schema: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16);
}

function dialectOf(schema: Record<string, unknown>): '2020' | '2019' | undefined {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (dialect.includes('2020-12')) return '2020';
  if (dialect.includes('2019-09')) return '2019';
  return undefined; // draft-07, rjsf's default
}

/** rjsf's compileSchemaValidatorsCode, run in a short-lived worker thread (see compile.worker.cjs). */
function compileInWorker(schema: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'compile.worker.cjs'), { workerData: { schema, dialect: dialectOf(schema) } });
    worker.once('message', (m: { code?: string; error?: string }) => (m.code !== undefined ? resolve(m.code) : reject(new UnprocessableError(`The form schema cannot be compiled: ${m.error}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`form compiler exited with ${code}`)));
  });
}

/** The ES module text for one form schema. Rejects with UnprocessableError when the schema cannot be compiled. */
export async function formValidatorModule(schema: Record<string, unknown>): Promise<string> {
  const code = await compileInWorker(schema);
  for (const m of code.matchAll(REQUIRE)) {
    if (!(FORM_VALIDATOR_RUNTIME as readonly string[]).includes(m[1])) throw new UnprocessableError(`The form schema needs a validator helper the browser does not ship: ${m[1]}`);
  }
  const body = code.replace(/^"use strict";\s*/, '');
  return [
    `// Ordo: precompiled validators for one task form (ajv standalone code, schema ${schemaHash(schema)})`,
    'export default function formValidators(runtime) {',
    '  const exports = {};',
    '  const require = (id) => {',
    '    if (!(id in runtime)) throw new Error("form validator needs " + id);',
    '    return runtime[id];',
    '  };',
    body,
    '  return exports;',
    '}',
    '',
  ].join('\n');
}

/** A small cache of compiled modules (forms repeat across thousands of tasks). */
export class FormValidatorCache {
  private readonly modules = new Map<string, Promise<string>>();
  constructor(private readonly max = 200) {}

  async get(schema: Record<string, unknown>): Promise<{ hash: string; code: string }> {
    const hash = schemaHash(schema);
    let code = this.modules.get(hash);
    if (code === undefined) {
      code = formValidatorModule(schema);
      if (this.modules.size >= this.max) this.modules.delete(this.modules.keys().next().value!);
      this.modules.set(hash, code);
      // a failure is not cached: the next request tries again
      code.catch(() => this.modules.delete(hash));
    }
    return { hash, code: await code };
  }
}
