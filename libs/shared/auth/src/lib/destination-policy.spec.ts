import type { LookupAddress } from 'node:dns';
import { DestinationPolicy, DestinationRefusedError, parseCidrList } from './destination-policy';

describe('DestinationPolicy', () => {
  const publicOnly = DestinationPolicy.publicOnly();

  it.each([
    ['a public IPv4 address', '8.8.8.8'],
    ['a public IPv6 address', '2606:4700:4700::1111'],
    ['a public address mapped into IPv6', '::ffff:8.8.8.8'],
    ['a public address behind NAT64', '64:ff9b::808:808'],
    ['just outside 172.16.0.0/12', '172.32.0.1'],
  ])('permits %s (%s)', (_what, address) => {
    expect(publicOnly.permits(address)).toBe(true);
  });

  it.each([
    ['cloud metadata', '169.254.169.254'],
    ['link-local', '169.254.1.1'],
    ['10/8', '10.0.0.1'],
    ['10/8, its last address', '10.255.255.255'],
    ['172.16/12', '172.31.255.1'],
    ['192.168/16', '192.168.1.1'],
    ['127/8', '127.0.0.1'],
    ['127/8, not .1', '127.1.2.3'],
    ['this network', '0.0.0.0'],
    ['carrier-grade NAT (Alibaba metadata)', '100.100.100.200'],
    ['multicast', '224.0.0.1'],
    ['reserved', '255.255.255.255'],
    ['IPv6 loopback', '::1'],
    ['IPv6 unspecified', '::'],
    ['fc00::/7 (unique local)', 'fc00::1'],
    ['fc00::/7 (fd00::, AWS metadata over IPv6)', 'fd00:ec2::254'],
    ['fe80::/10 (link-local)', 'fe80::1'],
    ['fe80::/10 with a zone', 'fe80::1%eth0'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped metadata, hex form', '::ffff:a9fe:a9fe'],
    ['IPv4-mapped 10/8', '::ffff:10.1.2.3'],
    ['metadata behind NAT64', '64:ff9b::a9fe:a9fe'],
    ['not an address', 'localhost'],
  ])('refuses %s (%s)', (_what, address) => {
    expect(publicOnly.permits(address)).toBe(false);
  });

  it('permits what UPSTREAM_ALLOWED_PRIVATE_CIDRS opens, and nothing next to it', () => {
    const policy = new DestinationPolicy({ allowedPrivate: parseCidrList('127.0.0.1/32,10.1.0.0/16,fd00:1::/32') });
    expect(policy.permits('127.0.0.1')).toBe(true);
    expect(policy.permits('::ffff:127.0.0.1')).toBe(true);
    expect(policy.permits('127.0.0.2')).toBe(false);
    expect(policy.permits('10.1.200.3')).toBe(true);
    expect(policy.permits('10.2.0.1')).toBe(false);
    expect(policy.permits('fd00:1::5')).toBe(true);
    expect(policy.permits('fd00:2::5')).toBe(false);
    expect(policy.permits('169.254.169.254')).toBe(false);
  });

  describe('lookup (after DNS resolution)', () => {
    const resolve = (policy: DestinationPolicy, hostname: string, all: boolean) =>
      new Promise<{ error: NodeJS.ErrnoException | null; addresses: string | LookupAddress[] }>((done) =>
        policy.lookup(hostname, { all }, (error, addresses) => done({ error, addresses })),
      );

    it('refuses a hostname that resolves to a private address', async () => {
      for (const all of [true, false]) {
        const { error } = await resolve(publicOnly, 'localhost', all);
        expect(error).toBeInstanceOf(DestinationRefusedError);
        expect(error).toMatchObject({ host: 'localhost' });
      }
    });

    it('answers in the shape asked for when every address is permitted', async () => {
      const loopback = new DestinationPolicy({ allowedPrivate: parseCidrList('127.0.0.0/8,::1/128') });
      const all = await resolve(loopback, 'localhost', true);
      expect(all.error).toBeNull();
      expect(Array.isArray(all.addresses)).toBe(true);
      const one = await resolve(loopback, 'localhost', false);
      expect(one.error).toBeNull();
      expect(typeof one.addresses).toBe('string');
    });
  });

});

describe('parseCidrList', () => {
  it('reads CIDRs and single addresses; nothing when unset', () => {
    expect(parseCidrList(undefined)).toEqual([]);
    expect(parseCidrList('10.0.0.0/8, ::1')).toEqual([
      { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { address: '::1', prefix: 128, family: 'ipv6' },
    ]);
  });

  it.each(['10.0.0.0/33', 'fd00::/200', 'mock-provider', '10.0.0.0/', '10.0.0.0/8/8'])('refuses %j', (raw) => {
    expect(() => parseCidrList(raw)).toThrow(/UPSTREAM_ALLOWED_PRIVATE_CIDRS must be IP ranges in CIDR notation/);
  });
});
