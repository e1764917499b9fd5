import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Whether a client address is inside one of a key's CIDRs (IPv4-mapped IPv6 addresses count as IPv4). */
export function isAddressAllowed(address: string, cidrs: readonly string[]): boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network, prefix] = cidr.split('/');
    const type = isIPv4(network) ? 'ipv4' : isIPv6(network) ? 'ipv6' : null;
    if (!type) continue;
    list.addSubnet(network, Number(prefix ?? (type === 'ipv4' ? 32 : 128)), type);
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const candidate = mapped ?? address;
  return list.check(candidate, isIPv4(candidate) ? 'ipv4' : 'ipv6');
}
