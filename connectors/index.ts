/** What the server uses from connectors/: the sdk, the built-in list, the REST builder and the reference ERP. */
export * from './sdk';
export { BUILTIN_CONNECTORS } from './registry';
export * from './rest';
export { startReferenceErp, createReferenceErpApp, referenceErpOpenApi, type RunningReferenceErp } from './reference-erp/erp.app';
