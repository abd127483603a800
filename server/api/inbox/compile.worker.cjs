// Compiles one form schema to ajv standalone code with rjsf's compiler, in a worker thread: rjsf's
// packages are partly ESM-only, which plain Node loads through import() but jest's module loader
// (which runs the server in tests) cannot.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS worker file
const { parentPort, workerData } = require('node:worker_threads');

async function compile({ schema, dialect }) {
  const { compileSchemaValidatorsCode } = await import('@rjsf/validator-ajv8/compileSchemaValidators');
  const AjvClass = dialect === '2020' ? (await import('ajv/dist/2020.js')).default.default : dialect === '2019' ? (await import('ajv/dist/2019.js')).default.default : undefined;
  return compileSchemaValidatorsCode(schema, AjvClass ? { AjvClass } : {});
}

compile(workerData).then(
  (code) => parentPort.postMessage({ code }),
  (err) => parentPort.postMessage({ error: err && err.message ? err.message : String(err) }),
);
