import { Injectable } from '@nestjs/common';
import {
  ApiKeysRepository,
  CreditsRepository,
  PlansRepository,
  TenantsRepository,
  UsageLedgerRepository,
  type ApiKeyRow,
  type Transaction,
  type UsageEventInput,
} from '@sluice/control-plane/data-access';
import { currentQuotaPeriod, effectiveLimits, planQuota, QUOTA_PERIOD_DAYS } from '../common/quota-rules';
import { WebhookOutbox } from '../webhooks/webhook-outbox';

/** The shares of a limit that tenants hear about (docs/webhooks.md, usage.threshold). */
export const USAGE_THRESHOLDS = [80, 100] as const;

interface Measure {
  subject: string;
  period: string;
  used: number;
  limit: number;
  unit: string;
  extra?: Record<string, unknown>;
}

/**
 * After a usage batch is written, in its transaction: which of the batch's
 * tenants crossed 80 % or 100 % of a period quota (calls, tokens), of a key's
 * budget, or of the credits they bought. Each crossing is emitted once per
 * period and threshold (`WebhookOutbox.emitThresholdOnce`), so a rolled-back
 * batch announces nothing and a replayed one nothing twice.
 */
@Injectable()
export class UsageThresholds {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly plans: PlansRepository,
    private readonly ledger: UsageLedgerRepository,
    private readonly credits: CreditsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly outbox: WebhookOutbox,
  ) {}

  /**
   * Reads what every tenant and key of the batch needs in five queries, not
   * a handful per tenant and key: on a batch of a thousand events from many
   * tenants the per-tenant reads cost the consumer as much as the ledger
   * write itself (docs/scaling.md, "PostgreSQL at volume").
   */
  async check(tx: Transaction, events: readonly UsageEventInput[]): Promise<void> {
    const keysByTenant = new Map<string, Set<string>>();
    for (const event of events) {
      const keys = keysByTenant.get(event.tenant_id) ?? new Set<string>();
      keys.add(event.api_key_id);
      keysByTenant.set(event.tenant_id, keys);
    }
    if (keysByTenant.size === 0) return;
    const tenantIds = [...keysByTenant.keys()];
    const tenants = new Map((await this.tenants.findByIds(tenantIds, tx)).map((tenant) => [tenant.id, tenant]));
    const plans = new Map((await this.plans.list(tx)).map((plan) => [plan.id, plan]));
    const periods = new Map<string, { start: Date; limits: ReturnType<typeof effectiveLimits> }>();
    for (const tenant of tenants.values()) {
      const plan = plans.get(tenant.subscription_tier) ?? null;
      const period = currentQuotaPeriod(tenant.last_reset_at, plan?.period_days ?? QUOTA_PERIOD_DAYS);
      periods.set(tenant.id, { start: period.start, limits: effectiveLimits(tenant, plan && planQuota(plan)) });
    }
    const usage = new Map(
      (await this.ledger.periodUsages([...periods].map(([tenantId, period]) => ({ tenantId, periodStart: period.start })), tx)).map((row) => [row.tenant_id, row]),
    );
    const credits = new Map((await this.credits.totalsOf([...tenants.keys()], tx)).map((row) => [row.tenant_id, row]));
    const pairs = [...keysByTenant].flatMap(([tenantId, keyIds]) => [...keyIds].map((id) => ({ tenantId, id })));
    const keys = new Map((await this.apiKeys.findByTenantAndIds(pairs, tx)).map((key) => [`${key.tenant_id}:${key.id}`, key]));
    for (const [tenantId, keyIds] of keysByTenant) {
      const period = periods.get(tenantId);
      if (!period) continue;
      const measures = [
        ...tenantMeasures(period, usage.get(tenantId), credits.get(tenantId)),
        ...(await this.budgetMeasures(tx, tenantId, [...keyIds].map((id) => keys.get(`${tenantId}:${id}`)))),
      ];
      for (const measure of measures) await this.announce(tx, tenantId, measure);
    }
  }

  private async announce(tx: Transaction, tenantId: string, measure: Measure): Promise<void> {
    if (measure.limit <= 0) return;
    const percent = (measure.used / measure.limit) * 100;
    for (const threshold of USAGE_THRESHOLDS) {
      if (percent < threshold) continue;
      await this.outbox.emitThresholdOnce(tx, tenantId, { subject: measure.subject, period: measure.period, threshold }, {
        tenant: tenantId,
        used: measure.used,
        limit: measure.limit,
        unit: measure.unit,
        ...measure.extra,
      });
    }
  }

  /** Only keys with a budget cost a query (their spend in the budget's period). */
  private async budgetMeasures(tx: Transaction, tenantId: string, keys: Array<ApiKeyRow | undefined>): Promise<Measure[]> {
    const measures: Measure[] = [];
    const today = new Date().toISOString().slice(0, 10);
    for (const key of keys) {
      const budget = key?.limits.budget_usd;
      if (!key || budget === undefined || budget === null || budget <= 0) continue;
      const keyId = key.id;
      const budgetPeriod = key.limits.budget_period ?? 'month';
      const from = budgetPeriod === 'day' ? today : budgetPeriod === 'month' ? `${today.slice(0, 7)}-01` : '1970-01-01';
      const [row] = await this.ledger.usage(tenantId, { from, to: today, apiKeyId: keyId }, 'key', tx);
      measures.push({
        subject: `budget.key:${keyId}`,
        period: budgetPeriod === 'total' ? 'total' : from,
        used: Number(row?.cost_micros ?? 0),
        limit: Math.round(budget * 1_000_000),
        unit: 'usd_micros',
        extra: { api_key: keyId, budget_period: budgetPeriod },
      });
    }
    return measures;
  }
}

/** The period quotas (calls, tokens) and the credits bought, from the batch's reads. */
function tenantMeasures(
  period: { start: Date; limits: ReturnType<typeof effectiveLimits> },
  usage: { api_calls: string; ai_tokens: string } | undefined,
  credits: { balance_micros: string; top_ups_micros: string } | undefined,
): Measure[] {
  const periodKey = period.start.toISOString();
  const measures: Measure[] = [
    { subject: 'quota.api_calls', period: periodKey, used: Number(usage?.api_calls ?? 0), limit: period.limits.api_calls_limit, unit: 'requests' },
    { subject: 'quota.ai_tokens', period: periodKey, used: Number(usage?.ai_tokens ?? 0), limit: period.limits.ai_tokens_limit, unit: 'tokens' },
  ];
  const bought = Number(credits?.top_ups_micros ?? 0);
  // Each top-up starts a new "period" for the credit balance: the thresholds apply again to the larger total.
  if (bought > 0) measures.push({ subject: 'credits', period: `top_ups:${bought}`, used: bought - Number(credits?.balance_micros ?? 0), limit: bought, unit: 'usd_micros' });
  return measures;
}
