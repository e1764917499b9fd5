import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/common-env-rules';

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

const LOG_BUFFER = { minLength: 3584, maxWrite: 4096, periodicFlush: 250 } as const;

/**
 * Standard output (or `fd`), written in blocks: every line its own `write`
 * cost a thread-pool round trip per request (the access log: ~40 % of a
 * line's CPU, ~5 µs; docs/decisions.md, issue 22). Lines are held until 3.5 KiB have gathered or 250 ms have passed
 * and flushed synchronously when the process exits (pino's exit handler): only
 * a process killed outright loses what it held. A block is whole lines and at
 * most 4 KiB (PIPE_BUF), so it reaches a pipe in one piece, never interleaved
 * with another process's lines (cluster workers share their primary's stdout).
 */
export function bufferedDestination(fd = 1): DestinationStream {
  return pino.destination({ fd, sync: false, ...LOG_BUFFER });
}

export function createLogger({ service, level, destination, redact = true }: LoggingOptions): Logger {
  const logger = pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(redact ? { redact: { paths: REDACTED_PATHS, censor: '[redacted]' } } : {}),
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? bufferedDestination(),
  );
  if (!redact) unredactedLoggers.add(logger);
  return logger;
}

/** Loggers made here without redaction: their lines have one known shape, which `writeLine` writes without pino. */
const unredactedLoggers = new WeakSet<Logger>();

/**
 * Writes the line `logger[level](fields, msg)` would write, for a logger
 * `createLogger` made with `redact: false`; `fieldsJson` is `JSON.stringify`
 * of the fields without its braces (its first field must start it, no comma).
 * Pino builds the same line from an object, property by property, at about
 * twice the CPU (the access log: docs/decisions.md, "Issue 22, plain path,
 * session 8"). Returns false, writing nothing, for any other logger: the
 * caller then logs through pino. The level must be enabled.
 */
export function writeLine(logger: Logger, level: 'info' | 'warn' | 'error', fieldsJson: string, msg: string): boolean {
  if (!unredactedLoggers.has(logger)) return false;
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym];
  const destination = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  destination.write(`{"level":"${level}","time":"${new Date().toISOString()}"${bindings},${fieldsJson},"msg":${JSON.stringify(msg)}}\n`);
  return true;
}
