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
  'email',
  'to',
  'verification_code',
  '*.email',
  '*.to',
  '*.verification_code',
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
  /**
   * Censor REDACTED_PATHS (default). Only the access log turns it off: its
   * lines have fixed fields that never hold a credential, and the censor
   * walks every line.
   */
  redact?: boolean;
}

export function createLogger({ service, level, destination, redact = true }: LoggingOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(redact ? { redact: { paths: REDACTED_PATHS, censor: '[redacted]' } } : {}),
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
