import { parseHost, parsePort } from '@sluice/fake-server';

export { ConfigError, parsePort } from '@sluice/fake-server';

export const DEFAULT_HTTP_PORT = 1080;
export const DEFAULT_SMTP_PORT = 1025;
export const DEFAULT_HOST = '127.0.0.1';

export interface MailCatcherConfig {
  httpPort: number;
  smtpPort: number;
  host: string;
}

export function loadConfig(env: NodeJS.ProcessEnv): MailCatcherConfig {
  return {
    httpPort: parsePort(env['MAIL_CATCHER_HTTP_PORT'], 'MAIL_CATCHER_HTTP_PORT', DEFAULT_HTTP_PORT),
    smtpPort: parsePort(env['MAIL_CATCHER_SMTP_PORT'], 'MAIL_CATCHER_SMTP_PORT', DEFAULT_SMTP_PORT),
    host: parseHost(env['MAIL_CATCHER_HOST'], DEFAULT_HOST),
  };
}
