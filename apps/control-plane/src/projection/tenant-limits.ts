import type { PlanRow, TenantRow } from '@sluice/control-plane/data-access';
import type { TenantLimits } from '@sluice/contracts';
import { effectiveLimits, planQuota } from '../common/quota-rules';

/** Keys a tenant may hold when neither its plan nor an override sets `max_keys`. */
export const DEFAULT_MAX_KEYS = 100;

/** Limits that a tenant's quota overrides may set; absent ones are left to the gateway's defaults. */
export const RATE_LIMIT_FIELDS = ['rpm', 'rph', 'rpd', 'tpm', 'tph', 'tpd', 'max_concurrency', 'budget_usd'] as const;
export type RateLimitField = (typeof RATE_LIMIT_FIELDS)[number];

/**
 * A tenant's limits: its quota overrides, else its plan's, else the platform
 * defaults. Request and token windows that none sets are null, so the gateway
 * applies its own default (`RATE_LIMIT_PER_MINUTE`).
 */
export function tenantLimits(tenant: TenantRow, plan: PlanRow | null): TenantLimits {
  const overrides = tenant.quota_overrides ?? {};
  const planLimits = (plan?.limits ?? {}) as Record<string, number | null | undefined>;
  const quota = effectiveLimits(tenant, plan && planQuota(plan));
  const numeric = (field: string): number | null =>
    typeof overrides[field] === 'number' ? (overrides[field] as number) : typeof planLimits[field] === 'number' ? (planLimits[field] as number) : null;
  return {
    rpm: numeric('rpm'),
    rph: numeric('rph'),
    rpd: numeric('rpd'),
    tpm: numeric('tpm'),
    tph: numeric('tph'),
    tpd: numeric('tpd'),
    max_concurrency: numeric('max_concurrency'),
    budget_usd: numeric('budget_usd'),
    budget_period: null,
    api_calls_per_period: quota.api_calls_limit,
    ai_tokens_per_period: quota.ai_tokens_limit,
    max_users: quota.max_users,
    max_keys: numeric('max_keys') ?? DEFAULT_MAX_KEYS,
  };
}
