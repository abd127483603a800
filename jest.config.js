// Three layers, one run: unit tests beside the code, API tests over real HTTP, e2e in Debian's chromium.
// One FerretDB (or MONGODB_URI) serves the whole run; each test file gets its own database.
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022' }, module: { type: 'commonjs' } }] };
// bpmn-moddle 9's CJS build requires the hoisted moddle 8 (ESM-only, from bpmn-js), which jest cannot
// require; its UMD build bundles moddle + moddle-xml and is the same library (bpmn-engine loads it too)
const moduleNameMapper = { '^bpmn-moddle$': '<rootDir>/node_modules/bpmn-moddle/dist/bpmn-moddle.umd.js' };
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'tsx', 'js', 'json'], moduleNameMapper };

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{workflows,engine,connectors,server,designer,scripts}/**/*.test.ts?(x)'] },
    { ...common, displayName: 'api', testMatch: ['<rootDir>/tests/{api,features,architecture}/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'] },
  ],
};
