export * from './lib/apps';
export * from './lib/postgres';
export * from './lib/redis';
export * from './lib/run-id';
export * from './lib/http-conventions';
export * from './lib/processes';
export * from './lib/otlp-collector';
export * from './lib/prometheus-text';
