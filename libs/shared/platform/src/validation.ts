/**
 * `@sluice/platform/validation`: what the platform builds on class-validator and
 * class-transformer: DTO validation (the global pipe, createHttpApp, decorators)
 * and configuration schemas as classes (CommonEnv, loadConfig). Apart from
 * `@sluice/platform` so that an app none of whose routes takes a DTO (the
 * gateway) never loads them (docs/decisions.md, "Issue 22, memory, session 8").
 */
export { CommonEnv } from './lib/config/common-env';
export * from './lib/config/env-values';
export { loadConfig } from './lib/config/load-config';
export * from './lib/errors/validation';
export { createHttpApp } from './lib/http/create-app';
