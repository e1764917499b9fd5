import type { TenantRow } from '@sluice/control-plane/data-access';
import type { TenantLimits } from '@sluice/contracts';
import { effectiveLimits } from '../tenants/tenant-view';

/** Keys a tenant may hold until plans set `max_keys` (a quota override wins). */
export const DEFAULT_MAX_KEYS = 100;

/** Limits that a tenant's quota overrides may set; absent ones are left to the gateway's defaults. */
export const RATE_LIMIT_FIELDS = ['rpm', 'rph', 'rpd', 'tpm', 'tpd', 'max_concurrency', 'budget_usd'] as const;
export type RateLimitField = (typeof RATE_LIMIT_FIELDS)[number];

/**
 * A tenant's limits until plans exist: its quota overrides over the platform
 * defaults. Request and token windows left unset are null, so the gateway
 * applies its own default (`RATE_LIMIT_PER_MINUTE`).
 */
export function tenantLimits(tenant: TenantRow): TenantLimits {
  const overrides = tenant.quota_overrides ?? {};
  const quota = effectiveLimits(tenant);
  const numeric = (field: string): number | null => (typeof overrides[field] === 'number' ? (overrides[field] as number) : null);
  return {
    rpm: numeric('rpm'),
    rph: numeric('rph'),
    rpd: numeric('rpd'),
    tpm: numeric('tpm'),
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
