export * from './lib/access-token';
export * from './lib/api-key';
export * from './lib/ip-allow-list';
export * from './lib/key-policy';
export * from './lib/opaque-token';
export * from './lib/roles';
export * from './lib/scopes';
