import type { AdmissionRefusal } from '@sluice/gateway/redis-state';
import { SluiceException } from '@sluice/platform';

const LEVEL_NAMES = { tenant: 'tenant', team: 'team', key: 'API key' } as const;

/** A request refused by a limit, quota, a budget or the credit balance (429 or 402), with its rate-limit headers and `Retry-After`. */
export class LimitExceededException extends SluiceException {
  override readonly name = 'LimitExceededException';

  constructor(
    readonly refusal: AdmissionRefusal,
    headers: Record<string, string>,
  ) {
    super(
      refusal.code,
      messageOf(refusal),
      {
        level: refusal.level,
        limit: refusal.limit,
        retry_after_seconds: refusal.retryAfterSeconds,
        ...(refusal.budget && { budget_usd: refusal.budget.usd, budget_period: refusal.budget.period }),
      },
      null,
      headers,
    );
  }
}

const BUDGET_PERIODS = { day: 'per day (UTC)', month: 'per month (UTC)', total: 'in total' } as const;

function messageOf({ code, level, limit, retryAfterSeconds, budget }: AdmissionRefusal): string {
  const retry = retryAfterSeconds === null ? '' : `; retry after ${retryAfterSeconds} s`;
  switch (code) {
    case 'insufficient_credits':
      if (budget) return `The ${LEVEL_NAMES[level]} budget of $${budget.usd} ${BUDGET_PERIODS[budget.period]} does not cover this request${retry}`;
      return 'Insufficient credits for this request: top up the balance';
    case 'quota_exceeded':
      return `The ${LEVEL_NAMES[level]} quota (${limit}) for this period is used up${retry}`;
    case 'concurrency_limit_exceeded':
      return `Too many concurrent requests for this ${LEVEL_NAMES[level]}${retry}`;
    case 'rate_limit_exceeded':
      return `Rate limit exceeded for this ${LEVEL_NAMES[level]} (${limit})${retry}`;
  }
}
