import type { ApiKeyLimits, ApiKeysRepository, PlanRow, Reader } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';

/**
 * The products' per-key limits, enforced where keys are made
 * (docs/billing.md): `rpm_per_key` and `max_budget_per_key` are the default
 * and the ceiling of a key's `rpm` and `budget_usd`; `keys_per_user` bounds
 * the keys one member owns, `service_key_count` the keys owned by no user.
 */
const PER_KEY: ReadonlyArray<readonly ['rpm' | 'budget_usd', 'rpm_per_key' | 'max_budget_per_key']> = [
  ['rpm', 'rpm_per_key'],
  ['budget_usd', 'max_budget_per_key'],
];

/** The key's limits with the product's defaults for what the request leaves out. */
export function withProductDefaults(limits: ApiKeyLimits | undefined, plan: PlanRow | null): ApiKeyLimits {
  const result: ApiKeyLimits = { ...(limits ?? {}) };
  for (const [field, productField] of PER_KEY) {
    const ceiling = plan?.limits[productField];
    if (result[field] === undefined && typeof ceiling === 'number') result[field] = ceiling;
  }
  return result;
}

/** Validation details for key limits above the product's ceilings (null, "no limit", is above any). */
export function productCeilingProblems(limits: ApiKeyLimits | undefined, plan: PlanRow | null): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  for (const [field, productField] of PER_KEY) {
    const ceiling = plan?.limits[productField];
    const value = (limits as Record<string, number | null | undefined> | undefined)?.[field];
    if (typeof ceiling !== 'number' || value === undefined) continue;
    if (value === null || value > ceiling) problems[`limits.${field}`] = [`must not exceed the plan's ${productField} of ${ceiling}`];
  }
  return problems;
}

/** 409 when one more key of this owner (null: a service key) would pass the product's count. */
export async function assertProductKeyCount(keys: ApiKeysRepository, db: Reader, tenantId: string, ownerUserId: string | null, plan: PlanRow | null): Promise<void> {
  const field = ownerUserId === null ? 'service_key_count' : 'keys_per_user';
  const limit = plan?.limits[field];
  if (typeof limit !== 'number') return;
  if ((await keys.countUsableOwnedBy(tenantId, ownerUserId, db)) >= limit) {
    const who = ownerUserId === null ? 'service keys (owned by no user)' : 'keys per member';
    throw new SluiceException('key_limit_reached', `The plan allows ${limit} ${who}`, { [field]: limit });
  }
}
