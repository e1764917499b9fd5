/**
 * `@sluice/platform`: what both services share. It loads no class-validator nor
 * class-transformer (a gateway worker never does: docs/decisions.md, "Issue 22,
 * memory, session 8"); what is built on them is `@sluice/platform/validation`.
 */
export * from './lib/config/common-env-rules';
export * from './lib/config/config-error';
export * from './lib/config/env-rules';
export * from './lib/config/secret-or-dev-default';
export * from './lib/config/known-secrets';
export * from './lib/config/trust-proxy';
export * from './lib/errors/all-exceptions.filter';
export * from './lib/errors/sluice.exception';
export * from './lib/errors/to-error-response';
export * from './lib/http/http-app';
export * from './lib/http/request-id';
export * from './lib/http/public';
export * from './lib/logging/logging';
export * from './lib/logging/access-log';
export * from './lib/logging/redact-email';
export * from './lib/metrics/metrics';
export * from './lib/metrics/metrics-server';
export * from './lib/pagination/pagination';
export * from './lib/redis/redis-client';
export * from './lib/redis/redis-cluster-nodes';
export * from './lib/redis/redis-subscriber';
export * from './lib/redis/redis.health';
export * from './lib/redis/redis.module';
export * from './lib/redis/redis.token';
export * from './lib/http/platform.module';
export * from './lib/config/startup';
export * from './lib/config/app-config.module';
export * from './lib/config/shutdown-settings';
export * from './lib/config/provider-credential-envs';
export * from './lib/shutdown/drain-state';
export * from './lib/shutdown/draining.health';
export * from './lib/shutdown/graceful-shutdown';
export * from './lib/shutdown/shutdown-hooks';
export * from './lib/shutdown/shutdown.module';
export * from './lib/tracing/request-tracing';
export * from './lib/tracing/tracing';
export * from './lib/tracing/tracing-settings';
export * from './lib/tracing/tracing.module';
export * from './lib/http/direct/direct-request';
export * from './lib/http/direct/direct-route';
export * from './lib/http/direct/direct-routes';
export * from './lib/http/security-headers';
export * from './lib/http/write-json';
