import type { TenantRow } from '@sluice/control-plane/data-access';
import { currentQuotaPeriod, effectiveLimits } from './quota-rules';

describe('currentQuotaPeriod', () => {
  const reset = new Date('2026-01-01T10:00:00.000Z');

  it('is the period since the last reset while it lasts', () => {
    expect(currentQuotaPeriod(reset, 30, new Date('2026-01-20T00:00:00Z'))).toEqual({ start: reset, end: new Date('2026-01-31T10:00:00.000Z') });
  });

  it('renews by itself at each boundary', () => {
    expect(currentQuotaPeriod(reset, 30, new Date('2026-01-31T10:00:00.000Z')).start).toEqual(new Date('2026-01-31T10:00:00.000Z'));
    expect(currentQuotaPeriod(reset, 7, new Date('2026-03-01T00:00:00Z'))).toEqual({
      start: new Date('2026-02-26T10:00:00.000Z'),
      end: new Date('2026-03-05T10:00:00.000Z'),
    });
  });
});

describe('effectiveLimits', () => {
  const tenant = (quota_overrides: Record<string, number | null>) => ({ quota_overrides }) as unknown as TenantRow;
  const plan = { api_calls_limit: 10, ai_tokens_limit: null, max_users: 3 };

  it('takes a tenant override over the plan, and the plan over the platform default', () => {
    expect(effectiveLimits(tenant({ max_users: 7 }), plan)).toEqual({ api_calls_limit: 10, ai_tokens_limit: 1_000_000, storage_limit_gb: 100, max_users: 7 });
  });

  it('falls back to the platform defaults without a plan', () => {
    expect(effectiveLimits(tenant({}))).toEqual({ api_calls_limit: 100_000, ai_tokens_limit: 1_000_000, storage_limit_gb: 100, max_users: 50 });
  });
});
