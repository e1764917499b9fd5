import { ConfigError, parseHost, parsePort, parseWholeNumber } from './config';

describe('fake server configuration', () => {
  it('reads a port from 0 (a free port) to 65535, trimmed; unset or blank gives the fallback', () => {
    expect(parsePort('0', 'P', 1)).toBe(0);
    expect(parsePort(' 65535 ', 'P', 1)).toBe(65535);
    expect(parsePort(undefined, 'P', 42)).toBe(42);
    expect(parsePort('  ', 'P', 42)).toBe(42);
  });

  it.each(['abc', '-1', '65536', '99999', '1.5', '1e3', '0x10', '80 80', '123456', '009100'])('rejects the port %p, naming the variable and what it expects', (raw) => {
    expect(() => parsePort(raw, 'SOME_PORT', 1)).toThrow(ConfigError);
    expect(() => parsePort(raw, 'SOME_PORT', 1)).toThrow(
      `Invalid configuration: SOME_PORT must be an integer from 0 to 65535 (0 picks a free port), got "${raw}"`,
    );
  });

  it('reads a whole number up to its maximum, with up to seven digits', () => {
    expect(parseWholeNumber('100000', 'N', 25, 100_000)).toBe(100_000);
    expect(parseWholeNumber('0000007', 'N', 25, 100_000)).toBe(7);
    expect(parseWholeNumber('', 'N', 25, 100_000)).toBe(25);
    expect(() => parseWholeNumber('100001', 'N', 25, 100_000)).toThrow('Invalid configuration: N must be an integer from 0 to 100000, got "100001"');
    expect(() => parseWholeNumber('00000007', 'N', 25, 100_000)).toThrow(ConfigError);
  });

  it('reads a host, trimmed; unset or blank gives the fallback', () => {
    expect(parseHost(' 0.0.0.0 ', '127.0.0.1')).toBe('0.0.0.0');
    expect(parseHost(' ', '127.0.0.1')).toBe('127.0.0.1');
    expect(parseHost(undefined, '127.0.0.1')).toBe('127.0.0.1');
  });
});
