import { parseHost, parsePort, parseWholeNumber } from '@sluice/fake-server';

export { ConfigError } from '@sluice/fake-server';

export const DEFAULT_PORT = 9300;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_RECORDS = 25;

export interface MockServicesConfig {
  port: number;
  host: string;
  records: number;
}

export function loadConfig(env: NodeJS.ProcessEnv): MockServicesConfig {
  return {
    port: parsePort(env['MOCK_SERVICES_PORT'], 'MOCK_SERVICES_PORT', DEFAULT_PORT),
    host: parseHost(env['MOCK_SERVICES_HOST'], DEFAULT_HOST),
    records: parseWholeNumber(env['MOCK_SERVICES_RECORDS'], 'MOCK_SERVICES_RECORDS', DEFAULT_RECORDS, 100_000),
  };
}
