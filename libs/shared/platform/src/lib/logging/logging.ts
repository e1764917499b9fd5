import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

export { createLogger, REDACTED_PATHS, standardOutput, type LoggingOptions } from './create-logger';

/**
 * Nest's logger on pino. Request lines are not pino-http's (a child logger and
 * an AsyncLocalStorage scope per request cost more than the gateway's whole
 * budget): `useAccessLog` writes them from one Fastify hook.
 */
export function loggingModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] });
}
