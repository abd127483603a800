/** The connector SDK: what a connector author and the server need, nothing else. */
export * from './errors';
export * from './define';
export * from './secrets';
export * from './egress';
export * from './retry';
export * from './http';
export * from './invoker';
export * from './element-templates';
export * from './call-json';
