import { parseCidr } from '@sluice/auth';
import type { ApiKeyLimits } from '@sluice/control-plane/data-access';
import type { RateLimits } from '@sluice/contracts';
import { registerDecorator, type ValidationOptions } from 'class-validator';

/** A key's allow-list entry: what the gateway's check accepts (`parseCidr` in `@sluice/auth`). */
export function isCidr(value: unknown): boolean {
  return typeof value === 'string' && parseCidr(value) !== null;
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

const NUMERIC_LIMITS = ['rpm', 'rph', 'rpd', 'tpm', 'tph', 'tpd', 'max_concurrency', 'budget_usd'] as const;

/**
 * A key's limits may only tighten those above it (docs/limits.md, "Which limits, at which level"): for every limit
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
