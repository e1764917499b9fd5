import { ConfigError } from './config-error';
import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it.each([
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['10.0.0.0/8, 192.168.1.7 ,fd00::/8', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8']],
    ['::1', ['::1']],
  ])('reads %p as %p, in production too', (raw, expected) => {
    expect(parseTrustProxy(raw, true)).toEqual(expected);
    expect(parseTrustProxy(raw, false)).toEqual(expected);
  });

  it('refuses true in production with one line saying what to set, and keeps it for development', () => {
    expect(() => parseTrustProxy('true', true)).toThrow(ConfigError);
    expect(() => parseTrustProxy('TRUE', true)).toThrow(
      'Invalid configuration: TRUST_PROXY=true trusts any client-written X-Forwarded-For; under NODE_ENV=production set the number of proxies in front (1) or their addresses/CIDRs',
    );
    expect(parseTrustProxy('true', false)).toBe(true);
  });

  it.each(['yes', '11', '-1', '1.5', '10.0.0.0/33', '10.0.0.0/8/1', 'fd00::/129', 'ingress.local', '10.0.0.0/8,', ''])('refuses %p', (raw) => {
    expect(() => parseTrustProxy(raw, false)).toThrow(
      new ConfigError('Invalid configuration: TRUST_PROXY must be false, a number of proxy hops (1-10), or a comma-separated list of proxy addresses or CIDRs'),
    );
  });
});
