import type { DynamicModule } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/common-env';

/**
 * Paths pino censors wherever a log call passes them. Request headers are not
 * logged at all (see the `req` serializer); this list catches secrets that
 * reach a log through objects: payloads, errors, configuration.
 */
export const REDACTED_PATHS = [
  'password',
  'current_password',
  'token',
  'access',
  'refresh',
  'secret',
  'api_key',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.password',
  '*.current_password',
  '*.token',
  '*.access',
  '*.refresh',
  '*.secret',
  '*.api_key',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers.cookie',
];

export interface LoggingOptions {
  service: string;
  level: LogLevel;
  /** Where lines go; standard output unless a test captures them. */
  destination?: DestinationStream;
}

export function createLogger({ service, level, destination }: LoggingOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

const QUIET_PATHS = /^\/(health|metrics)(\/|$|\?)/;

/** Structured request logs (one line per request, probes excluded) and Nest's logger on pino. */
export function loggingModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger,
      // Middleware may rewrite `url`; `originalUrl` is what the client asked for.
      autoLogging: {
        ignore: (req: IncomingMessage & { originalUrl?: string }) => QUIET_PATHS.test(req.originalUrl ?? req.url ?? ''),
      },
      quietReqLogger: true,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      // Headers never reach the logs: Authorization, x-api-key and cookies are credentials.
      serializers: {
        req: (req: { id: unknown; method: string; url: string; headers?: Record<string, unknown>; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          user_agent: req.headers?.['user-agent'],
          remote_address: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
      },
    },
  });
}
