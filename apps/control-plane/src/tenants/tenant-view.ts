import type { TenantRow } from '@sluice/control-plane/data-access';
import { currentQuotaPeriod, effectiveLimits, QUOTA_PERIOD_DAYS, type QuotaContext } from '../common/quota-rules';
import { billingStatus, type BillingStatus } from './tenant-billing-status';

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

/** The tenant's own rate limits, set by a platform admin; null = its plan's value applies (effective values: `GET /api/tenants/{slug}/limits/`). */
export interface TenantLimitOverridesView {
  rpm: number | null;
  rph: number | null;
  rpd: number | null;
  tpm: number | null;
  tph: number | null;
  tpd: number | null;
  max_concurrency: number | null;
}

export const TENANT_LIMIT_FIELDS = ['rpm', 'rph', 'rpd', 'tpm', 'tph', 'tpd', 'max_concurrency'] as const;

/** A tenant as the API shows it, with its quota and member count. */
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
  /** The billing contact under the older team-based billing API's names: `phone` is `contact_phone`; Stripe's customer, the last payment and the billing status are read-only. */
  admin_email: string;
  phone: string;
  billing_address: string;
  stripe_customer_id: string | null;
  last_payment: string | null;
  billing_status: BillingStatus;
  created_at: string;
  updated_at: string;
  activated_at: string | null;
  suspended_at: string | null;
  suspension_reason: string;
  settings: Record<string, unknown>;
  quota: TenantQuotaView;
  limits: TenantLimitOverridesView;
  user_count: number;
}

export function limitOverridesView(tenant: TenantRow): TenantLimitOverridesView {
  const overrides = tenant.quota_overrides ?? {};
  const view = {} as TenantLimitOverridesView;
  for (const field of TENANT_LIMIT_FIELDS) view[field] = typeof overrides[field] === 'number' ? overrides[field] : null;
  return view;
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
    billing_status: billingStatus(tenant),
    created_at: tenant.created_at.toISOString(),
    updated_at: tenant.updated_at.toISOString(),
    activated_at: tenant.activated_at?.toISOString() ?? null,
    suspended_at: tenant.suspended_at?.toISOString() ?? null,
    suspension_reason: tenant.suspension_reason,
    settings: tenant.settings,
    quota: quotaView(tenant, context),
    limits: limitOverridesView(tenant),
    user_count: tenant.user_count,
  };
}

function percentage(used: number, limit: number): number {
  return limit > 0 ? Math.round((used / limit) * 10_000) / 100 : 0;
}
