import type { PlanRow, TenantRow } from '@sluice/control-plane/data-access';

/**
 * Quota limits of a tenant whose plan cannot be found (and the storage limit,
 * which plans do not set): a tenant's `quota` overrides win over them.
 */
export const PLATFORM_DEFAULT_QUOTA = {
  api_calls_limit: 100_000,
  ai_tokens_limit: 1_000_000,
  storage_limit_gb: 100,
  max_users: 50,
} as const;

/** Quota period of a tenant whose plan cannot be found. */
export const QUOTA_PERIOD_DAYS = 30;

/** What the quota object needs beyond the tenant's row: its plan's limits and period, and the current period's usage. */
export interface QuotaContext {
  plan: { api_calls_limit: number | null; ai_tokens_limit: number | null; max_users: number | null } | null;
  periodDays: number;
  usage: { api_calls: number; ai_tokens: number };
}

/** The quota part of a plan's limits, in the shape of the tenant's `quota` object. */
export function planQuota(plan: PlanRow): NonNullable<QuotaContext['plan']> {
  return {
    api_calls_limit: plan.limits.api_calls_per_period ?? null,
    ai_tokens_limit: plan.limits.ai_tokens_per_period ?? null,
    max_users: plan.limits.max_users ?? null,
  };
}

/**
 * The quota period containing `now`: periods of `periodDays` follow each
 * other from the tenant's last reset (the metering ingest assigns usage to
 * periods by the same arithmetic, on the request's start).
 */
export function currentQuotaPeriod(lastResetAt: Date, periodDays: number, now = new Date()): { start: Date; end: Date } {
  const length = periodDays * 86_400_000;
  const elapsed = Math.max(0, now.getTime() - lastResetAt.getTime());
  const start = lastResetAt.getTime() + Math.floor(elapsed / length) * length;
  return { start: new Date(start), end: new Date(start + length) };
}

/** Tenant override, else the plan's limit, else the platform default. */
export function effectiveLimits(tenant: TenantRow, plan: QuotaContext['plan'] = null): typeof PLATFORM_DEFAULT_QUOTA {
  const overrides = tenant.quota_overrides ?? {};
  const pick = (field: keyof typeof PLATFORM_DEFAULT_QUOTA) =>
    overrides[field] ?? (field === 'storage_limit_gb' ? null : plan?.[field]) ?? PLATFORM_DEFAULT_QUOTA[field];
  return {
    api_calls_limit: pick('api_calls_limit'),
    ai_tokens_limit: pick('ai_tokens_limit'),
    storage_limit_gb: pick('storage_limit_gb'),
    max_users: pick('max_users'),
  } as typeof PLATFORM_DEFAULT_QUOTA;
}
