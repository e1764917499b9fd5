import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';

/** A CIDR range, `10.1.0.0/16` or `fd00::/8`. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * Parses an IPv4 or IPv6 address with an optional prefix length
 * (`10.0.0.0/8`, `2001:db8::/32`, `203.0.113.7`; a bare address means just
 * that address). Null for anything else, a prefix longer than the family
 * allows (`/33`) included, so the result is always safe to hand to
 * `BlockList.addSubnet`. Key allow-lists, their validation and the gateway's
 * private-destination list all parse with it.
 */
export function parseCidr(text: string): Cidr | null {
  if (text.length > 64) return null;
  const [address, bits, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return null;
  const maxBits = family === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? maxBits : Number(bits);
  if (prefix > maxBits) return null;
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

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
  for (const text of cidrs) {
    const cidr = parseCidr(text.trim());
    if (cidr !== null) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}
