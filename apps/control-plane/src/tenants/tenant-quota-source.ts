import { Injectable } from '@nestjs/common';
import { PlansRepository, UsageLedgerRepository, type PlanRow, type Reader, type TenantRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { currentQuotaPeriod, effectiveLimits, planQuota, QUOTA_PERIOD_DAYS, type QuotaContext } from '../common/quota-rules';
import { tenantView, type TenantView } from './tenant-view';

/**
 * What a tenant's `quota` object is built from: its plan (limits, period) and
 * the metered usage of its current period. The tenant services render
 * tenants through it so that every answer shows real limits and usage.
 */
@Injectable()
export class TenantQuotaSource {
  constructor(
    private readonly plans: PlansRepository,
    private readonly ledger: UsageLedgerRepository,
  ) {}

  async context(tenant: TenantRow, db?: Reader): Promise<QuotaContext> {
    const plan = await this.plans.findById(tenant.subscription_tier, db);
    const periodDays = plan?.period_days ?? QUOTA_PERIOD_DAYS;
    const usage = await this.ledger.periodUsage(tenant.id, currentQuotaPeriod(tenant.last_reset_at, periodDays).start, db);
    return { plan: plan ? planQuota(plan) : null, periodDays, usage: { api_calls: Number(usage.api_calls), ai_tokens: Number(usage.ai_tokens) } };
  }

  /** The tenant's limits (override, else plan, else platform default), without reading its usage. */
  async limits(tenant: TenantRow, db?: Reader): Promise<ReturnType<typeof effectiveLimits>> {
    const plan = await this.plans.findById(tenant.subscription_tier, db);
    return effectiveLimits(tenant, plan && planQuota(plan));
  }

  async view(tenant: TenantRow, db?: Reader): Promise<TenantView> {
    return tenantView(tenant, await this.context(tenant, db));
  }

  /** 400 for a `subscription_tier` or plan assignment that names no plan, or a retired one. */
  async requirePlan(id: string, field = 'plan', db?: Reader): Promise<PlanRow> {
    const plan = await this.plans.findById(id, db);
    if (!plan) throw new SluiceException('validation_error', `Unknown plan ${id}`, { [field]: [`unknown plan ${id}`] }, field);
    if (!plan.active) throw new SluiceException('validation_error', `Plan ${id} is retired and cannot be assigned`, { [field]: [`plan ${id} is not active`] }, field);
    return plan;
  }
}
