import type { AdmissionRefusal } from '@sluice/gateway/redis-state';
import { SluiceException } from '@sluice/platform';

const LEVEL_NAMES = { tenant: 'tenant', team: 'team', key: 'API key' } as const;

/**
 * A request refused by a limit, quota, a budget or the credit balance (429 or 402), with its rate-limit headers and `Retry-After`.
 * A refusal for the tenant's prepaid balance names the route that tops it up (`details.top_up`, docs/limits.md, Credits).
 */
export class LimitExceededException extends SluiceException {
  override readonly name = 'LimitExceededException';

  constructor(
    readonly refusal: AdmissionRefusal,
    headers: Record<string, string>,
    tenantSlug: string,
  ) {
    const topUp = refusal.limit === 'credits' ? creditsRoute(tenantSlug) : null;
    super(
      refusal.code,
      messageOf(refusal, tenantSlug),
      {
        level: refusal.level,
        limit: refusal.limit,
        retry_after_seconds: refusal.retryAfterSeconds,
        ...(refusal.budget && { budget_usd: refusal.budget.usd, budget_period: refusal.budget.period }),
        ...(topUp && { top_up: topUp }),
      },
      null,
      headers,
    );
  }
}

/** The control plane's top-up route for the tenant (platform admin). */
function creditsRoute(tenantSlug: string): string {
  return `POST /api/tenants/${encodeURIComponent(tenantSlug)}/credits/`;
}

const BUDGET_PERIODS = { day: 'per day (UTC)', month: 'per month (UTC)', total: 'in total' } as const;

function messageOf({ code, level, limit, retryAfterSeconds, budget }: AdmissionRefusal, tenantSlug: string): string {
  const retry = retryAfterSeconds === null ? '' : `; retry after ${retryAfterSeconds} s`;
  switch (code) {
    case 'insufficient_credits':
      if (budget) return `The ${LEVEL_NAMES[level]} budget of $${budget.usd} ${BUDGET_PERIODS[budget.period]} does not cover this request${retry}`;
      return `Insufficient credits for this request: the tenant's prepaid balance does not cover it; top it up with ${creditsRoute(tenantSlug)}`;
    case 'quota_exceeded':
      return `The ${LEVEL_NAMES[level]} quota (${limit}) for this period is used up${retry}`;
    case 'concurrency_limit_exceeded':
      return `Too many concurrent requests for this ${LEVEL_NAMES[level]}${retry}`;
    case 'rate_limit_exceeded':
      return `Rate limit exceeded for this ${LEVEL_NAMES[level]} (${limit})${retry}`;
  }
}
