export const DEFAULT_HTTP_PORT = 1080;
export const DEFAULT_SMTP_PORT = 1025;
export const DEFAULT_HOST = '127.0.0.1';

export interface MailCatcherConfig {
  httpPort: number;
  smtpPort: number;
  host: string;
}

/** A configuration problem, worded as the one line an operator needs to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads a TCP port from an environment value; unset or blank gives `fallback`, 0 picks a free port. */
export function parsePort(raw: string | undefined, name: string, fallback: number): number {
  const text = raw?.trim() ?? '';
  if (text === '') return fallback;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) {
    throw new ConfigError(`Invalid configuration: ${name} must be an integer from 0 to 65535 (0 picks a free port), got "${raw}"`);
  }
  return port;
}

export function loadConfig(env: NodeJS.ProcessEnv): MailCatcherConfig {
  return {
    httpPort: parsePort(env['MAIL_CATCHER_HTTP_PORT'], 'MAIL_CATCHER_HTTP_PORT', DEFAULT_HTTP_PORT),
    smtpPort: parsePort(env['MAIL_CATCHER_SMTP_PORT'], 'MAIL_CATCHER_SMTP_PORT', DEFAULT_SMTP_PORT),
    host: env['MAIL_CATCHER_HOST']?.trim() || DEFAULT_HOST,
  };
}
