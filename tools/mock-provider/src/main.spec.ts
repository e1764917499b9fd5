import { ConfigError, DEFAULT_HOST, DEFAULT_PORT, loadConfig, parsePort } from './config';

describe('mock provider configuration', () => {
  it('defaults to 127.0.0.1:9100', () => {
    expect(loadConfig({})).toEqual({ port: DEFAULT_PORT, host: DEFAULT_HOST });
    expect(DEFAULT_PORT).toBe(9100);
    expect(DEFAULT_HOST).toBe('127.0.0.1');
  });

  it('reads MOCK_PROVIDER_PORT and MOCK_PROVIDER_HOST', () => {
    expect(loadConfig({ MOCK_PROVIDER_PORT: ' 9200 ', MOCK_PROVIDER_HOST: '0.0.0.0' })).toEqual({ port: 9200, host: '0.0.0.0' });
    expect(loadConfig({ MOCK_PROVIDER_PORT: '', MOCK_PROVIDER_HOST: ' ' })).toEqual({ port: 9100, host: '127.0.0.1' });
  });

  it('accepts every port from 0 (a free port) to 65535', () => {
    expect(parsePort('0', 'P', 1)).toBe(0);
    expect(parsePort('65535', 'P', 1)).toBe(65535);
    expect(parsePort(undefined, 'P', 42)).toBe(42);
  });

  it.each(['abc', '-1', '65536', '99999', '1.5', '1e3', '0x10', '80 80', '123456'])('rejects %p, naming the variable', (raw) => {
    expect(() => loadConfig({ MOCK_PROVIDER_PORT: raw })).toThrow(ConfigError);
    expect(() => loadConfig({ MOCK_PROVIDER_PORT: raw })).toThrow(/^Invalid configuration: MOCK_PROVIDER_PORT must be an integer from 0 to 65535/);
  });
});
