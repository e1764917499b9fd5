import { isSandboxEnvironment, type ApiKeyRecordV1, type ModelRecord, type RateLimits, type TenantRecordV1 } from '@sluice/contracts';
import type {
  AdmissionRequest,
  BudgetLimit,
  BudgetPeriod,
  ConcurrencyLimit,
  LimitLevel,
  PeriodQuota,
  ResolvedLimits,
  WindowLimit,
  WindowName,
} from './admission.types';
import { quotaPeriodAt } from './quota-period';

/** The default for a tenant whose plan sets no request rate (`RATE_LIMIT_PER_MINUTE`, docs/operations.md). */
export const DEFAULT_REQUESTS_PER_MINUTE = 60;

export const WINDOW_NAMES: readonly WindowName[] = ['rpm', 'rph', 'rpd', 'tpm', 'tph', 'tpd'];

interface Level {
  level: LimitLevel;
  subject: string;
  limits: RateLimits;
}

/**
 * Resolves the limits of one request across tenant (its plan with overrides),
 * team and key. Each level keeps its own counters; a lower level's limit is
 * clamped by every level above it (tightest wins), and a level that sets no
 * value for a limit adds no counter. A value that is not a non-negative number
 * counts as unset; 0 is a limit that refuses everything.
 */
export function resolveLimits(
  tenant: TenantRecordV1,
  apiKey: ApiKeyRecordV1,
  defaultRequestsPerMinute = DEFAULT_REQUESTS_PER_MINUTE,
  now: Date = new Date(),
): ResolvedLimits {
  const levels: Level[] = [{ level: 'tenant', subject: 'tenant', limits: { ...tenant.limits, rpm: limitValue(tenant.limits.rpm) ?? defaultRequestsPerMinute } }];
  if (apiKey.team) levels.push({ level: 'team', subject: `team:${apiKey.team.id}`, limits: apiKey.team.limits });
  levels.push({ level: 'key', subject: `key:${apiKey.id}`, limits: apiKey.limits });

  const windows: WindowLimit[] = [];
  for (const window of WINDOW_NAMES) {
    for (const { level, subject, limit } of clampedByLevel(levels, (limits) => limits[window])) windows.push({ level, subject, window, limit });
  }
  const concurrency: ConcurrencyLimit[] = clampedByLevel(levels, (limits) => limits.max_concurrency);
  const budgets = levels.flatMap(({ level, subject, limits }) => (level === 'tenant' ? [] : budgetOf(level, subject, limits, now)));
  return { windows, concurrency, quota: periodQuota(tenant, now), budgets };
}

/**
 * A team's or key's budget. Budgets are not clamped across levels: each level
 * has its own period and counter, and every one of them is checked. A budget
 * without a period is a `total` one (never renews).
 */
function budgetOf(level: LimitLevel, subject: string, limits: RateLimits, now: Date): BudgetLimit[] {
  const usd = limitAmount(limits.budget_usd);
  if (usd === null) return [];
  const period: BudgetPeriod = limits.budget_period === 'day' || limits.budget_period === 'month' ? limits.budget_period : 'total';
  return [{ level, subject, limitMicros: Math.round(usd * 1e6), period, ...budgetPeriodAt(period, now) }];
}

/** The UTC day or calendar month `now` falls in (by the gateway's clock, which names the counter's key). */
export function budgetPeriodAt(period: BudgetPeriod, now: Date): { periodKey: string; periodEndEpochSeconds: number | null } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  switch (period) {
    case 'day':
      return { periodKey: `day:${now.toISOString().slice(0, 10)}`, periodEndEpochSeconds: Date.UTC(year, month, now.getUTCDate() + 1) / 1000 };
    case 'month':
      return { periodKey: `month:${now.toISOString().slice(0, 7)}`, periodEndEpochSeconds: Date.UTC(year, month + 1, 1) / 1000 };
    case 'total':
      return { periodKey: 'total', periodEndEpochSeconds: null };
  }
}

/** One entry per level that sets the limit, with the tightest value of it and its ancestors. */
function clampedByLevel(levels: Level[], pick: (limits: RateLimits) => number | null | undefined): Array<{ level: LimitLevel; subject: string; limit: number }> {
  const resolved: Array<{ level: LimitLevel; subject: string; limit: number }> = [];
  let tightestAbove: number | null = null;
  for (const { level, subject, limits } of levels) {
    const own = limitValue(pick(limits));
    if (own === null) continue;
    const limit: number = tightestAbove === null ? own : Math.min(own, tightestAbove);
    resolved.push({ level, subject, limit });
    tightestAbove = limit;
  }
  return resolved;
}

function periodQuota(tenant: TenantRecordV1, now: Date): PeriodQuota | null {
  const apiCalls = limitValue(tenant.limits.api_calls_per_period);
  const aiTokens = limitValue(tenant.limits.ai_tokens_per_period);
  const period = quotaPeriodAt(tenant.period_start, tenant.period_end, now);
  if ((apiCalls === null && aiTokens === null) || period === null) return null;
  return { periodStart: period.start, periodEndEpochSeconds: Math.ceil(period.endMs / 1000), apiCalls, aiTokens };
}

function limitValue(value: number | null | undefined): number | null {
  const amount = limitAmount(value);
  return amount === null ? null : Math.floor(amount);
}

function limitAmount(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** Cost in USD micro-units, rounded up: a price per million tokens is exactly micro-USD per token. */
export function costMicros(pricing: ModelRecord['pricing'], promptTokens: number, completionTokens: number): number {
  const exact = promptTokens * pricing.input_per_mtok_usd + completionTokens * pricing.output_per_mtok_usd;
  // Round away float noise first (100 × 0.6 is 60.00000000000001), so only real fractions round up.
  return Math.ceil(Math.round(exact * 1e6) / 1e6);
}

/** Only live and staging keys of prepaid tenants spend credit; test and development keys never do (docs/limits.md, Environments). */
export function spendsCredit(tenant: TenantRecordV1, apiKey: ApiKeyRecordV1): boolean {
  return tenant.billing_mode === 'prepaid' && !isSandboxEnvironment(apiKey.environment);
}

export interface AdmissionContext {
  tenant: TenantRecordV1;
  apiKey: ApiKeyRecordV1;
  requestId: string;
  estimatedPromptTokens: number;
  /** The request's max_tokens, or the model's max output when the client sets none. */
  maxTokens: number;
  pricing: ModelRecord['pricing'];
  holdTtlMs: number;
  defaultRequestsPerMinute?: number;
  /** The gateway's clock, which picks the budget periods; defaults to now. */
  now?: Date;
}

export function buildAdmissionRequest(context: AdmissionContext): AdmissionRequest {
  const { tenant, apiKey, estimatedPromptTokens, maxTokens } = context;
  const maximumCost = costMicros(context.pricing, estimatedPromptTokens, maxTokens);
  return {
    tenantId: tenant.id,
    requestId: context.requestId,
    limits: resolveLimits(tenant, apiKey, context.defaultRequestsPerMinute, context.now),
    reservedTokens: estimatedPromptTokens + maxTokens,
    creditReservationMicros: spendsCredit(tenant, apiKey) ? maximumCost : null,
    budgetReservationMicros: maximumCost,
    holdTtlMs: context.holdTtlMs,
  };
}
