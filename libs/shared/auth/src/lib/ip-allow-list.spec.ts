import { isIpAllowed } from './ip-allow-list';

describe('isIpAllowed', () => {
  it('matches IPv4 and IPv6 CIDRs and bare addresses', () => {
    const cidrs = ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32'];
    expect(isIpAllowed('10.20.30.40', cidrs)).toBe(true);
    expect(isIpAllowed('192.168.1.7', cidrs)).toBe(true);
    expect(isIpAllowed('192.168.1.8', cidrs)).toBe(false);
    expect(isIpAllowed('2001:db8::1', cidrs)).toBe(true);
    expect(isIpAllowed('2001:db9::1', cidrs)).toBe(false);
  });

  it('checks IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(isIpAllowed('::ffff:127.0.0.1', ['127.0.0.0/8'])).toBe(true);
  });

  it('lets a malformed entry admit nothing and an empty list refuse everyone', () => {
    expect(isIpAllowed('10.0.0.1', ['10.0.0.0/99', 'not-an-ip'])).toBe(false);
    expect(isIpAllowed('10.0.0.1', [])).toBe(false);
    expect(isIpAllowed('garbage', ['0.0.0.0/0'])).toBe(false);
  });

  it.each([
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['11.1.2.3', ['10.0.0.0/8'], false],
    ['2001:db8::1', ['2001:db8::/32'], true],
    ['127.0.0.1', ['127.0.0.1'], true],
    ['127.0.0.1', ['not-a-cidr'], false],
  ] as const)('%s in %j → %s (the control plane and the gateway share this check)', (address, cidrs, allowed) => expect(isIpAllowed(address, cidrs)).toBe(allowed));
});
