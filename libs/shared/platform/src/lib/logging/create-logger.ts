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
    destination ?? standardOutput(),
  );
}

/**
 * Standard output, written synchronously: one write(2) per line from the
 * event loop's thread. Asynchronous writes hand every line to libuv's thread
 * pool and its completion back to the loop, two thread wake-ups per line that
 * cost the gateway ~0.3 ms per request one at a time and a quarter of its CPU
 * per request under load (docs/decisions.md, issue 22). A reader that stops
 * reading now holds the process back instead of growing its memory without bound.
 */
export function standardOutput(): DestinationStream {
  return pino.destination({ sync: true });
}
