export * from './lib/access-token';
export * from './lib/api-key';
export * from './lib/opaque-token';
export * from './lib/roles';
