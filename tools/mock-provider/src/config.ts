import { parseHost, parsePort } from '@sluice/fake-server';

export { ConfigError, parsePort } from '@sluice/fake-server';

export const DEFAULT_PORT = 9100;
export const DEFAULT_HOST = '127.0.0.1';

export interface MockProviderConfig {
  port: number;
  host: string;
}

export function loadConfig(env: NodeJS.ProcessEnv): MockProviderConfig {
  return {
    port: parsePort(env['MOCK_PROVIDER_PORT'], 'MOCK_PROVIDER_PORT', DEFAULT_PORT),
    host: parseHost(env['MOCK_PROVIDER_HOST'], DEFAULT_HOST),
  };
}
