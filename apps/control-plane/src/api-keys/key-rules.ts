import { BlockList, isIP } from 'node:net';
import type { ApiKeyLimits } from '@sluice/control-plane/data-access';
import type { RateLimits } from '@sluice/contracts';
import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * An IPv4 or IPv6 address with an optional prefix length (`10.0.0.0/8`,
 * `2001:db8::/32`, `203.0.113.7`); a bare address means just that address.
 */
export function isCidr(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 64) return false;
  const [address, bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  const maxBits = family === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return false;
  const prefix = bits === undefined ? maxBits : Number(bits);
  if (prefix > maxBits) return false;
  try {
    // The same parser the gateway's allow-list will use must accept it.
    new BlockList().addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return true;
  } catch {
    return false;
  }
}

export function IsCidr(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCidr',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'each entry must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or 2001:db8::/32', ...options },
      validator: { validate: (value: unknown) => isCidr(value) },
    });
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function globMatcher(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const NUMERIC_LIMITS = ['rpm', 'rph', 'rpd', 'tpm', 'tpd', 'max_concurrency', 'budget_usd'] as const;

/**
 * A key's limits may only tighten those above it (SPEC 3.4): for every limit
 * the tenant (or the key's team) sets, the key's must not exceed it. Returns
 * the problems by field, as validation `details`.
 */
export function limitProblems(key: ApiKeyLimits, ceilings: Array<{ owner: 'tenant' | 'team'; limits: RateLimits }>): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  for (const field of NUMERIC_LIMITS) {
    const value = key[field];
    if (value === undefined) continue;
    for (const { owner, limits } of ceilings) {
      const ceiling = limits[field];
      if (typeof ceiling === 'number' && value > ceiling) (problems[`limits.${field}`] ??= []).push(`must not exceed the ${owner}'s limit of ${ceiling}`);
    }
  }
  return problems;
}
