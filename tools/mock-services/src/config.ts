export const DEFAULT_PORT = 9300;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_RECORDS = 25;

export interface MockServicesConfig {
  port: number;
  host: string;
  records: number;
}

/** A configuration problem, worded as the one line an operator needs to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function wholeNumber(raw: string | undefined, name: string, fallback: number, max: number, hint: string): number {
  const text = raw?.trim() ?? '';
  if (text === '') return fallback;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(value <= max)) throw new ConfigError(`Invalid configuration: ${name} must be ${hint}, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv): MockServicesConfig {
  return {
    port: wholeNumber(env['MOCK_SERVICES_PORT'], 'MOCK_SERVICES_PORT', DEFAULT_PORT, 65535, 'an integer from 0 to 65535 (0 picks a free port)'),
    host: env['MOCK_SERVICES_HOST']?.trim() || DEFAULT_HOST,
    records: wholeNumber(env['MOCK_SERVICES_RECORDS'], 'MOCK_SERVICES_RECORDS', DEFAULT_RECORDS, 100_000, 'an integer from 0 to 100000'),
  };
}
