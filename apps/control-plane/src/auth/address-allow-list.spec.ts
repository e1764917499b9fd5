import { isAddressAllowed } from './address-allow-list';

describe('isAddressAllowed', () => {
  it.each([
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['11.1.2.3', ['10.0.0.0/8'], false],
    ['::ffff:10.1.2.3', ['10.0.0.0/8'], true],
    ['2001:db8::1', ['2001:db8::/32'], true],
    ['2001:db9::1', ['2001:db8::/32'], false],
    ['127.0.0.1', ['127.0.0.1'], true],
    ['127.0.0.1', ['not-a-cidr'], false],
  ] as const)('%s in %j → %s', (address, cidrs, allowed) => expect(isAddressAllowed(address, cidrs)).toBe(allowed));
});
