import type { PlanLimits, PlanRow } from '@sluice/control-plane/data-access';

export const PLAN_LIMIT_FIELDS = ['rpm', 'rph', 'rpd', 'tpm', 'tph', 'tpd', 'max_concurrency', 'api_calls_per_period', 'ai_tokens_per_period', 'max_users', 'max_keys'] as const;

/** The limits the plans API shows; the product limits on keys are the products API's (docs/billing.md). */
export type PlanViewLimits = Required<Pick<PlanLimits, (typeof PLAN_LIMIT_FIELDS)[number]>>;

/** A plan as the API shows it: its limits and the models it reaches (docs/limits.md, Plans). */
export interface PlanView {
  id: string;
  name: string;
  billing_mode: PlanRow['billing_mode'];
  price_monthly_cents: number;
  period_days: number;
  limits: PlanViewLimits;
  allowed_models: string[] | null;
  entitlements: Record<string, boolean | number>;
  created_at: string;
  updated_at: string;
}

export function planView(plan: PlanRow): PlanView {
  const limits = {} as PlanViewLimits;
  for (const field of PLAN_LIMIT_FIELDS) limits[field] = plan.limits[field] ?? null;
  return {
    id: plan.id,
    name: plan.name,
    billing_mode: plan.billing_mode,
    price_monthly_cents: Number(plan.price_monthly_cents),
    period_days: plan.period_days,
    limits,
    allowed_models: plan.allowed_models,
    entitlements: plan.entitlements,
    created_at: plan.created_at.toISOString(),
    updated_at: plan.updated_at.toISOString(),
  };
}
