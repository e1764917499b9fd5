import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Parsed once per key record object: records are replaced, never mutated, when the key changes. */
const listsByCidrs = new WeakMap<readonly string[], BlockList>();

/**
 * Whether `ip` is inside one of `cidrs` (a bare address counts as /32 or
 * /128). IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack
 * socket reports) are checked as IPv4. An entry that does not parse admits
 * nothing: a typo must not open the key to everyone.
 */
export function isIpAllowed(ip: string, cidrs: readonly string[]): boolean {
  let list = listsByCidrs.get(cidrs);
  if (list === undefined) {
    list = blockListOf(cidrs);
    listsByCidrs.set(cidrs, list);
  }
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) return list.check(v4, 'ipv4');
  if (isIPv6(v4)) return list.check(v4, 'ipv6');
  return false;
}

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefixText] = cidr.trim().split('/');
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    if (type === null) continue;
    const maxPrefix = type === 'ipv4' ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) continue;
    list.addSubnet(address, prefix, type);
  }
  return list;
}
