import { isIpAllowed, parseCidr } from './ip-allow-list';

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

describe('parseCidr', () => {
  it('reads CIDRs and bare addresses of both families', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('203.0.113.7')).toEqual({ address: '203.0.113.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 'ipv6' });
    expect(parseCidr('fe80::1')).toEqual({ address: 'fe80::1', prefix: 128, family: 'ipv6' });
    expect(parseCidr('0.0.0.0/0')).toEqual({ address: '0.0.0.0', prefix: 0, family: 'ipv4' });
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0/8', '256.1.1.1/8', 'example.com', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/08x', '10.0.0.0/0x8', ''])(
    'refuses %j',
    (text) => expect(parseCidr(text)).toBeNull(),
  );

  it('lets an empty prefix admit nothing rather than everyone', () => {
    expect(isIpAllowed('10.0.0.1', ['10.0.0.0/'])).toBe(false);
  });
});
