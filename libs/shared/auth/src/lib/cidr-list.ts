import { parseCidr, type Cidr } from './ip-allow-list';

/** A setting that should hold CIDRs holds something else; the app turns it into its configuration error. */
export class InvalidCidrListError extends Error {
  override readonly name = 'InvalidCidrListError';
}

/** An allow-list setting such as `UPSTREAM_ALLOWED_PRIVATE_CIDRS`: comma-separated CIDRs; a bare address is a single host. */
export function parseCidrList(raw: string | undefined, variable = 'UPSTREAM_ALLOWED_PRIVATE_CIDRS'): Cidr[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const cidr = parseCidr(entry);
      if (cidr === null) throw new InvalidCidrListError(`Invalid configuration: ${variable} must be IP ranges in CIDR notation (10.0.0.0/8, fd00::/8) separated by commas`);
      return cidr;
    });
}
