export * from './rest.schema';
export * from './rest.connector';
export * from './oauth2';
export * from './openapi-import';
export type { RestOperationInput } from './rest.types';
