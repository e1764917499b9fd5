import { Inject, Injectable } from '@nestjs/common';
import { ApiKeysRepository, PlansRepository, TeamsRepository, type PlanRow, type TenantRow } from '@sluice/control-plane/data-access';
import { isUuid, type RateLimits } from '@sluice/contracts';
import { currentQuotaPeriod, QUOTA_PERIOD_DAYS } from '../common/quota-rules';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import type { Principal } from '../auth/principal';
import { notFound, TenantAccess } from '../auth/tenant-access';
import { tenantLimits } from '../projection/tenant-limits';
import { LimitCounters } from './limit-counters';
import type { HeaderWindowView, LiveLimitsView, LiveWindowView, QuotaFigureView } from './limits-view';
import { applicableLimits, tightest, windowState, type LimitLevelSource } from './live-limits';

/**
 * Live limits (docs/limits.md, Live limits): a tenant's counters, or every
 * counter one key's requests are admitted against (tenant, its team, the key).
 * Any member of the tenant may read them; another tenant's are a 404.
 */
@Injectable()
export class LimitsService {
  constructor(
    private readonly access: TenantAccess,
    private readonly plans: PlansRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly teams: TeamsRepository,
    private readonly counters: LimitCounters,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async ofTenant(principal: Principal, reference: string): Promise<LiveLimitsView> {
    const { tenant } = await this.access.authorize(principal, reference, 'viewer');
    const plan = await this.plans.findById(tenant.subscription_tier);
    return this.read(tenant, plan, [{ level: 'tenant', subject: 'tenant', limits: tenantLimits(tenant, plan) }], null);
  }

  /** A deleted key, an unknown id and another tenant's key are all 404. */
  async ofKey(principal: Principal, id: string): Promise<LiveLimitsView> {
    const { tenant } = await this.access.checkResource(principal, isUuid(id) ? await this.apiKeys.tenantOf(id) : null, 'viewer', 'API key');
    const key = await this.apiKeys.findById(tenant.id, id);
    if (!key || key.deleted_at) throw notFound('API key');
    const plan = await this.plans.findById(tenant.subscription_tier);
    const levels: LimitLevelSource[] = [{ level: 'tenant', subject: 'tenant', limits: tenantLimits(tenant, plan) }];
    const team = key.team_id ? await this.teams.findById(tenant.id, key.team_id) : null;
    if (team) levels.push({ level: 'team', subject: `team:${team.id}`, limits: team.limits as RateLimits });
    levels.push({ level: 'key', subject: `key:${key.id}`, limits: key.limits as RateLimits });
    return this.read(tenant, plan, levels, key.id);
  }

  private async read(tenant: TenantRow, plan: PlanRow | null, levels: LimitLevelSource[], apiKeyId: string | null): Promise<LiveLimitsView> {
    const { windows, concurrency } = applicableLimits(levels, this.config.defaultRequestsPerMinute);
    const limits = levels[0].limits as ReturnType<typeof tenantLimits>;
    const period = currentQuotaPeriod(tenant.last_reset_at, plan?.period_days ?? QUOTA_PERIOD_DAYS);
    const read = await this.counters.read(tenant.id, windows, concurrency, period.start.toISOString());
    const nowSeconds = Math.floor(read.nowMs / 1000);
    const windowViews: Array<LiveWindowView & { tokens: boolean }> = windows.map((window, index) => {
      const state = windowState(read.windows[index], nowSeconds, window.seconds, window.limit);
      return { level: window.level, team_id: teamOf(window.subject), limit: window.window, value: window.limit, ...state, reset_at: new Date(state.reset * 1000).toISOString(), tokens: window.tokens };
    });
    const header = (tokens: boolean): HeaderWindowView | null => {
      const best = tightest(windowViews.filter((window) => window.tokens === tokens).map((window) => ({ limit: window.value, remaining: window.remaining, reset: window.reset })));
      return best && { limit: best.limit, remaining: best.remaining, reset: best.reset };
    };
    const available = read.credits.balance === null ? null : read.credits.balance - read.credits.held;
    return {
      tenant: tenant.slug,
      api_key_id: apiKeyId,
      checked_at: new Date(read.nowMs).toISOString(),
      windows: windowViews.map(({ tokens: _tokens, ...view }) => view),
      concurrency: concurrency.map((slots, index) => ({
        level: slots.level,
        team_id: teamOf(slots.subject),
        value: slots.limit,
        in_use: read.concurrency[index],
        remaining: Math.max(0, slots.limit - read.concurrency[index]),
      })),
      rate_limit: { requests: header(false), tokens: header(true) },
      quota: {
        period_start: period.start.toISOString(),
        period_end: period.end.toISOString(),
        api_calls: quotaFigure(limits.api_calls_per_period, read.quota.calls),
        ai_tokens: quotaFigure(limits.ai_tokens_per_period, read.quota.tokens),
      },
      credits: { billing_mode: plan?.billing_mode ?? 'postpaid', balance_micros: read.credits.balance, held_micros: read.credits.held, available_micros: available },
    };
  }
}

function teamOf(subject: string): string | null {
  return subject.startsWith('team:') ? subject.slice('team:'.length) : null;
}

function quotaFigure(limit: number | null | undefined, used: number): QuotaFigureView {
  const value = typeof limit === 'number' ? limit : null;
  return { limit: value, used, remaining: value === null ? null : Math.max(0, value - used) };
}
