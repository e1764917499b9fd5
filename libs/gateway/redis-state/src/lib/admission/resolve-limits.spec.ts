import type { ApiKeyRecordV1, TenantRecordV1 } from '@sluice/contracts';
import { apiKeyRecord, tenantRecord } from '@sluice/testing';
import { rateLimitHeaders } from './rate-limit-headers';
import { budgetPeriodAt, buildAdmissionRequest, costMicros, resolveLimits } from './resolve-limits';

function tenantOf(overrides: Partial<TenantRecordV1> = {}): TenantRecordV1 {
  return tenantRecord({ id: 'tenant-1', slug: 'acme', plan: 'pro', limits: {}, period_end: '2026-12-01T00:00:00.000Z', ...overrides });
}

function keyRecord(overrides: Partial<ApiKeyRecordV1> = {}): ApiKeyRecordV1 {
  return apiKeyRecord('tenant-1', { id: 'key-1', ...overrides });
}

const pricing = { input_per_mtok_usd: 2.5, output_per_mtok_usd: 10 };

describe('resolveLimits', () => {
  it('gives a tenant without a request rate the default per-minute limit, and nothing else', () => {
    expect(resolveLimits(tenantOf(), keyRecord(), 60)).toEqual({
      windows: [{ level: 'tenant', subject: 'tenant', window: 'rpm', limit: 60 }],
      concurrency: [],
      quota: null,
      budgets: [],
    });
    expect(resolveLimits(tenantOf(), keyRecord(), 7).windows).toEqual([{ level: 'tenant', subject: 'tenant', window: 'rpm', limit: 7 }]);
  });

  it("keeps the plan's request rate when it sets one", () => {
    expect(resolveLimits(tenantOf({ limits: { rpm: 500 } }), keyRecord(), 60).windows[0].limit).toBe(500);
  });

  it('adds a counter per level that sets a limit, each clamped by the levels above (tightest wins)', () => {
    const tenant = tenantOf({ limits: { rpm: 100, tpd: 1_000_000, max_concurrency: 10 } });
    const key = keyRecord({
      team: { id: 'team-1', limits: { rpm: 500, tpd: 50_000, max_concurrency: 4 } },
      limits: { rpm: 20, tpd: 90_000, rph: 300, max_concurrency: 8 },
    });
    const limits = resolveLimits(tenant, key, 60);
    expect(limits.windows).toEqual([
      { level: 'tenant', subject: 'tenant', window: 'rpm', limit: 100 },
      // A team may not loosen its tenant's limit: 500 is clamped to 100.
      { level: 'team', subject: 'team:team-1', window: 'rpm', limit: 100 },
      { level: 'key', subject: 'key:key-1', window: 'rpm', limit: 20 },
      { level: 'key', subject: 'key:key-1', window: 'rph', limit: 300 },
      { level: 'tenant', subject: 'tenant', window: 'tpd', limit: 1_000_000 },
      { level: 'team', subject: 'team:team-1', window: 'tpd', limit: 50_000 },
      { level: 'key', subject: 'key:key-1', window: 'tpd', limit: 50_000 },
    ]);
    expect(limits.concurrency).toEqual([
      { level: 'tenant', subject: 'tenant', limit: 10 },
      { level: 'team', subject: 'team:team-1', limit: 4 },
      { level: 'key', subject: 'key:key-1', limit: 4 },
    ]);
  });

  it('resolves tokens per hour at every level, clamped like the others, between tpm and tpd', () => {
    const tenant = tenantOf({ limits: { tpm: 1_000, tph: 40_000, tpd: 500_000 } });
    const key = keyRecord({ team: { id: 'team-1', limits: { tph: 90_000 } }, limits: { tph: 20_000 } });
    expect(resolveLimits(tenant, key, 60).windows.filter((window) => window.window.startsWith('t'))).toEqual([
      { level: 'tenant', subject: 'tenant', window: 'tpm', limit: 1_000 },
      { level: 'tenant', subject: 'tenant', window: 'tph', limit: 40_000 },
      { level: 'team', subject: 'team:team-1', window: 'tph', limit: 40_000 },
      { level: 'key', subject: 'key:key-1', window: 'tph', limit: 20_000 },
      { level: 'tenant', subject: 'tenant', window: 'tpd', limit: 500_000 },
    ]);
  });

  it('treats null, negative and non-numeric values as unset, and 0 as a limit', () => {
    const tenant = tenantOf({ limits: { rpm: null, tpm: -5, rph: 0 } });
    const limits = resolveLimits(tenant, keyRecord({ limits: { tpm: Number.NaN } }), 60);
    expect(limits.windows).toEqual([
      { level: 'tenant', subject: 'tenant', window: 'rpm', limit: 60 },
      { level: 'tenant', subject: 'tenant', window: 'rph', limit: 0 },
    ]);
  });

  it("reads the period quota from the tenant's limits and current period", () => {
    const tenant = tenantOf({ limits: { api_calls_per_period: 1000, ai_tokens_per_period: null } });
    expect(resolveLimits(tenant, keyRecord(), 60, new Date('2026-11-15T00:00:00.000Z')).quota).toEqual({
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEndEpochSeconds: Date.parse('2026-12-01T00:00:00.000Z') / 1000,
      apiCalls: 1000,
      aiTokens: null,
    });
  });
});

describe('resolveLimits: budgets', () => {
  const now = new Date('2026-11-25T13:45:00.000Z');

  it("resolves the team's and the key's budget, each with its own period and counter", () => {
    const key = keyRecord({
      team: { id: 'team-1', limits: { budget_usd: 250, budget_period: 'month' } },
      limits: { budget_usd: 12.345678, budget_period: 'day' },
    });
    expect(resolveLimits(tenantOf(), key, 60, now).budgets).toEqual([
      {
        level: 'team',
        subject: 'team:team-1',
        limitMicros: 250_000_000,
        period: 'month',
        periodKey: 'month:2026-11',
        periodEndEpochSeconds: Date.parse('2026-12-01T00:00:00.000Z') / 1000,
      },
      {
        level: 'key',
        subject: 'key:key-1',
        limitMicros: 12_345_678,
        period: 'day',
        periodKey: 'day:2026-11-25',
        periodEndEpochSeconds: Date.parse('2026-11-26T00:00:00.000Z') / 1000,
      },
    ]);
  });

  it('treats a budget without a period as a total budget, and ignores the tenant record and unset or invalid amounts', () => {
    const tenant = tenantOf({ limits: { budget_usd: 5, budget_period: 'day' } });
    const key = keyRecord({ team: { id: 'team-1', limits: { budget_usd: -1 } }, limits: { budget_usd: 0 } });
    expect(resolveLimits(tenant, key, 60, now).budgets).toEqual([
      { level: 'key', subject: 'key:key-1', limitMicros: 0, period: 'total', periodKey: 'total', periodEndEpochSeconds: null },
    ]);
    expect(resolveLimits(tenant, keyRecord({ limits: { budget_usd: null, budget_period: 'day' } }), 60, now).budgets).toEqual([]);
  });

  it('rolls the UTC day over at midnight and the month over at the turn of the year', () => {
    expect(budgetPeriodAt('day', new Date('2026-12-31T23:59:59.999Z'))).toEqual({
      periodKey: 'day:2026-12-31',
      periodEndEpochSeconds: Date.parse('2027-01-01T00:00:00.000Z') / 1000,
    });
    expect(budgetPeriodAt('month', new Date('2026-12-31T23:59:59.999Z'))).toEqual({
      periodKey: 'month:2026-12',
      periodEndEpochSeconds: Date.parse('2027-01-01T00:00:00.000Z') / 1000,
    });
    expect(budgetPeriodAt('month', new Date('2027-01-01T00:00:00.000Z')).periodKey).toBe('month:2027-01');
  });
});

describe('buildAdmissionRequest', () => {
  const base = { requestId: 'r1', estimatedPromptTokens: 1000, maxTokens: 500, pricing, holdTtlMs: 600_000 };

  it('reserves prompt + max_tokens and, for live keys of prepaid tenants, their price in micro-USD', () => {
    const request = buildAdmissionRequest({ ...base, tenant: tenantOf({ billing_mode: 'prepaid' }), apiKey: keyRecord() });
    expect(request.reservedTokens).toBe(1500);
    // 1000 × 2.5 + 500 × 10 micro-USD.
    expect(request.creditReservationMicros).toBe(7500);
    expect(request.tenantId).toBe('tenant-1');
    expect(request.holdTtlMs).toBe(600_000);
  });

  it('reserves no credit for postpaid tenants or test keys, but holds the same maximum cost against budgets', () => {
    const postpaid = buildAdmissionRequest({ ...base, tenant: tenantOf(), apiKey: keyRecord() });
    expect(postpaid.creditReservationMicros).toBeNull();
    expect(postpaid.budgetReservationMicros).toBe(7500);
    const prepaid = tenantOf({ billing_mode: 'prepaid' });
    for (const environment of ['test', 'development'] as const) {
      expect(buildAdmissionRequest({ ...base, tenant: prepaid, apiKey: keyRecord({ environment }) }).creditReservationMicros).toBeNull();
    }
    expect(buildAdmissionRequest({ ...base, tenant: prepaid, apiKey: keyRecord({ environment: 'staging' }) }).creditReservationMicros).toBe(7500);
  });

  it('applies the configured default request rate', () => {
    const request = buildAdmissionRequest({ ...base, tenant: tenantOf(), apiKey: keyRecord(), defaultRequestsPerMinute: 5 });
    expect(request.limits.windows).toEqual([{ level: 'tenant', subject: 'tenant', window: 'rpm', limit: 5 }]);
  });
});

describe('costMicros', () => {
  it('rounds real fractions of a micro-USD up but not float noise', () => {
    expect(costMicros({ input_per_mtok_usd: 0.6, output_per_mtok_usd: 0 }, 100, 0)).toBe(60);
    expect(costMicros({ input_per_mtok_usd: 0.15, output_per_mtok_usd: 0.6 }, 3, 1)).toBe(2);
    expect(costMicros(pricing, 0, 0)).toBe(0);
  });
});

describe('rateLimitHeaders', () => {
  it('renders the tightest request window and the OpenAI request and token headers', () => {
    expect(
      rateLimitHeaders({
        requests: { limit: 60, remaining: 59, resetEpochSeconds: 1_700_000_040 },
        tokens: { limit: 10_000, remaining: 8_500, resetEpochSeconds: 1_700_000_040 },
      }),
    ).toEqual({
      'X-RateLimit-Limit': '60',
      'X-RateLimit-Remaining': '59',
      'X-RateLimit-Reset': '1700000040',
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-limit-tokens': '10000',
      'x-ratelimit-remaining-tokens': '8500',
    });
  });

  it('omits token headers when no token window applies', () => {
    const headers = rateLimitHeaders({ requests: { limit: 5, remaining: 0, resetEpochSeconds: 1 }, tokens: null });
    expect(Object.keys(headers)).not.toContain('x-ratelimit-limit-tokens');
    expect(headers['X-RateLimit-Remaining']).toBe('0');
  });
});
