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

export interface TenantQuotaView {
  api_calls_limit: number;
  api_calls_used: number;
  api_calls_percentage: number;
  ai_tokens_limit: number;
  ai_tokens_used: number;
  ai_tokens_percentage: number;
  storage_limit_gb: number;
  storage_used_gb: number;
  storage_percentage: number;
  max_users: number;
  current_users: number;
  quota_reset_at: string;
  last_reset_at: string;
}

/** Seed 000's tenant object, field for field. */
export interface TenantView {
  id: string;
  name: string;
  slug: string;
  domain: string;
  status: TenantRow['status'];
  subscription_tier: string;
  contact_email: string;
  contact_name: string;
  contact_phone: string;
  billing_email: string;
  /** Seed 003's billing contact: `phone` is `contact_phone`; Stripe's customer and last payment are read-only. */
  admin_email: string;
  phone: string;
  billing_address: string;
  stripe_customer_id: string | null;
  last_payment: string | null;
  created_at: string;
  updated_at: string;
  activated_at: string | null;
  suspended_at: string | null;
  suspension_reason: string;
  settings: Record<string, unknown>;
  quota: TenantQuotaView;
  user_count: number;
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

export function quotaView(tenant: TenantRow, context?: QuotaContext): TenantQuotaView {
  const limits = effectiveLimits(tenant, context?.plan ?? null);
  const used = { api_calls: context?.usage.api_calls ?? 0, ai_tokens: context?.usage.ai_tokens ?? 0, storage_gb: 0 };
  const period = currentQuotaPeriod(tenant.last_reset_at, context?.periodDays ?? QUOTA_PERIOD_DAYS);
  return {
    api_calls_limit: limits.api_calls_limit,
    api_calls_used: used.api_calls,
    api_calls_percentage: percentage(used.api_calls, limits.api_calls_limit),
    ai_tokens_limit: limits.ai_tokens_limit,
    ai_tokens_used: used.ai_tokens,
    ai_tokens_percentage: percentage(used.ai_tokens, limits.ai_tokens_limit),
    storage_limit_gb: limits.storage_limit_gb,
    storage_used_gb: used.storage_gb,
    storage_percentage: percentage(used.storage_gb, limits.storage_limit_gb),
    max_users: limits.max_users,
    current_users: tenant.user_count,
    quota_reset_at: period.end.toISOString(),
    last_reset_at: period.start.toISOString(),
  };
}

export function tenantView(tenant: TenantRow, context?: QuotaContext): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    slug: tenant.slug,
    domain: tenant.domain ?? '',
    status: tenant.status,
    subscription_tier: tenant.subscription_tier,
    contact_email: tenant.contact_email,
    contact_name: tenant.contact_name,
    contact_phone: tenant.contact_phone,
    billing_email: tenant.billing_email,
    admin_email: tenant.admin_email,
    phone: tenant.contact_phone,
    billing_address: tenant.billing_address,
    stripe_customer_id: tenant.stripe_customer_id,
    last_payment: tenant.last_payment?.toISOString() ?? null,
    created_at: tenant.created_at.toISOString(),
    updated_at: tenant.updated_at.toISOString(),
    activated_at: tenant.activated_at?.toISOString() ?? null,
    suspended_at: tenant.suspended_at?.toISOString() ?? null,
    suspension_reason: tenant.suspension_reason,
    settings: tenant.settings,
    quota: quotaView(tenant, context),
    user_count: tenant.user_count,
  };
}

function percentage(used: number, limit: number): number {
  return limit > 0 ? Math.round((used / limit) * 10_000) / 100 : 0;
}
