/**
 * `@sluice/platform/process`: what a process needs before (or without) its
 * Nest app: configuration, start-up, logging and the metrics server. It loads
 * no framework, so a process that only supervises others (the gateway's cluster
 * primary) stays small, nor class-validator; `@sluice/platform` exports all of
 * it too.
 */
export * from './lib/config/common-env-rules';
export * from './lib/config/config-error';
export * from './lib/config/env-rules';
export * from './lib/config/secret-or-dev-default';
export * from './lib/config/known-secrets';
export * from './lib/config/trust-proxy';
export * from './lib/config/startup';
export * from './lib/config/shutdown-settings';
export * from './lib/config/provider-credential-envs';
export * from './lib/tracing/tracing-settings';
export * from './lib/redis/redis-cluster-nodes';
export * from './lib/logging/create-logger';
export * from './lib/metrics/metrics-server';
