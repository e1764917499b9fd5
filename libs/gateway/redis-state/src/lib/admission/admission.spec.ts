import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisKeys } from '@sluice/contracts';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import { Admission, DuplicateAdmissionError } from './admission';
import type { AdmissionRequest, AdmissionResult, AdmissionTicket, ResolvedLimits } from './admission.types';

const prefix = uniqueKeyPrefix();
// `redis` is what the gateway uses (keys prefixed by ioredis); `raw` inspects the same keys by full name.
const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
const raw = new Redis(TEST_REDIS_URL);
const admission = new Admission(redis);

afterAll(async () => {
  await deleteKeysWithPrefix(prefix);
  redis.disconnect();
  raw.disconnect();
});

const NO_LIMITS: ResolvedLimits = { windows: [], concurrency: [], quota: null, budgets: [] };

function admissionRequest(tenantId: string, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    tenantId,
    requestId: randomUUID(),
    limits: NO_LIMITS,
    reservedTokens: 100,
    creditReservationMicros: null,
    budgetReservationMicros: 0,
    holdTtlMs: 60_000,
    ...overrides,
  };
}

function admitted(result: AdmissionResult): AdmissionTicket {
  if (!result.admitted) throw new Error(`expected admission, got ${JSON.stringify(result.refusal)}`);
  return result.ticket;
}

async function nowSeconds(): Promise<number> {
  const [seconds] = await raw.time();
  return Number(seconds);
}

/** Fixed windows restart on the minute: start a scenario that counts within one window away from its end. */
async function awayFromWindowEdge(): Promise<void> {
  const remaining = 60 - ((await nowSeconds()) % 60);
  if (remaining < 5) await new Promise((resolve) => setTimeout(resolve, remaining * 1000 + 100));
}

async function windowCount(tenantId: string, subject: string, window: string): Promise<number> {
  return Number((await raw.hget(prefix + RedisKeys.limitWindow(tenantId, subject, window), 'n')) ?? 0);
}

async function tenantKeys(tenantId: string): Promise<string[]> {
  return (await raw.keys(`${prefix}*{${tenantId}}*`)).map((key) => key.slice(prefix.length)).sort();
}

async function setBalance(tenantId: string, micros: number): Promise<void> {
  await raw.set(prefix + RedisKeys.credits(tenantId), micros);
}

async function balance(tenantId: string): Promise<number> {
  return Number(await raw.get(prefix + RedisKeys.credits(tenantId)));
}

async function held(tenantId: string): Promise<number> {
  return Number((await raw.get(prefix + RedisKeys.creditHeld(tenantId))) ?? 0);
}

beforeEach(awayFromWindowEdge);

describe('Admission.admit: request and token windows', () => {
  it('admits within every window and reports the tightest request and token windows', async () => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = {
      ...NO_LIMITS,
      windows: [
        { level: 'tenant', subject: 'tenant', window: 'rpm', limit: 10 },
        { level: 'key', subject: 'key:k1', window: 'rpm', limit: 3 },
        { level: 'tenant', subject: 'tenant', window: 'rpd', limit: 1000 },
        { level: 'tenant', subject: 'tenant', window: 'tpm', limit: 1000 },
        { level: 'key', subject: 'key:k1', window: 'tpd', limit: 5000 },
      ],
    };
    const now = await nowSeconds();
    const result = await admission.admit(admissionRequest(tenantId, { limits, reservedTokens: 250 }));
    expect(result.admitted).toBe(true);
    const reset = Math.ceil((now + 1) / 60) * 60;
    expect(result.rateLimit.requests).toEqual({ limit: 3, remaining: 2, resetEpochSeconds: reset });
    expect(result.rateLimit.tokens).toEqual({ limit: 1000, remaining: 750, resetEpochSeconds: reset });
    expect(await windowCount(tenantId, 'tenant', 'rpm')).toBe(1);
    expect(await windowCount(tenantId, 'key:k1', 'tpd')).toBe(250);
  });

  it.each([
    ['rpm', 60],
    ['rph', 3_600],
    ['rpd', 86_400],
  ] as const)('refuses the request over a %s limit with rate_limit_exceeded until the window ends', async (window, seconds) => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = { ...NO_LIMITS, windows: [{ level: 'key', subject: 'key:k1', window, limit: 2 }] };
    admitted(await admission.admit(admissionRequest(tenantId, { limits })));
    admitted(await admission.admit(admissionRequest(tenantId, { limits })));
    const now = await nowSeconds();
    const refused = await admission.admit(admissionRequest(tenantId, { limits }));
    const reset = Math.floor(now / seconds) * seconds + seconds;
    expect(refused).toEqual({
      admitted: false,
      refusal: { code: 'rate_limit_exceeded', level: 'key', limit: window, retryAfterSeconds: expect.any(Number) },
      rateLimit: { requests: { limit: 2, remaining: 0, resetEpochSeconds: reset }, tokens: null },
    });
    if (refused.admitted) return;
    expect(refused.refusal.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.refusal.retryAfterSeconds).toBeLessThanOrEqual(reset - now);
    expect(await windowCount(tenantId, 'key:k1', window)).toBe(2);
  });

  it('expires a window key one second after its window ends, set by the admission that started the window', async () => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = { ...NO_LIMITS, windows: [{ level: 'key', subject: 'key:k1', window: 'rph', limit: 10 }] };
    const now = await nowSeconds();
    for (let i = 0; i < 3; i++) admitted(await admission.admit(admissionRequest(tenantId, { limits })));
    expect(await raw.expiretime(prefix + RedisKeys.limitWindow(tenantId, 'key:k1', 'rph'))).toBe(Math.floor(now / 3_600) * 3_600 + 3_601);
    expect(await windowCount(tenantId, 'key:k1', 'rph')).toBe(3);
  });

  it.each(['tpm', 'tpd'] as const)('refuses a request whose token reservation does not fit the %s window', async (window) => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = { ...NO_LIMITS, windows: [{ level: 'team', subject: 'team:t1', window, limit: 1000 }] };
    admitted(await admission.admit(admissionRequest(tenantId, { limits, reservedTokens: 600 })));
    const refused = await admission.admit(admissionRequest(tenantId, { limits, reservedTokens: 600 }));
    expect(refused.admitted).toBe(false);
    if (refused.admitted) return;
    expect(refused.refusal).toMatchObject({ code: 'rate_limit_exceeded', level: 'team', limit: window });
    expect(refused.rateLimit.tokens).toMatchObject({ limit: 1000, remaining: 400 });
    // A smaller request still fits exactly at the limit.
    admitted(await admission.admit(admissionRequest(tenantId, { limits, reservedTokens: 400 })));
    expect(await windowCount(tenantId, 'team:t1', window)).toBe(1000);
  });
});

describe('Admission.admit: concurrency, quota and credits', () => {
  it('refuses beyond max_concurrency with concurrency_limit_exceeded, and admits again once a request settles', async () => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = {
      ...NO_LIMITS,
      concurrency: [
        { level: 'tenant', subject: 'tenant', limit: 5 },
        { level: 'key', subject: 'key:k1', limit: 2 },
      ],
    };
    const first = admitted(await admission.admit(admissionRequest(tenantId, { limits })));
    admitted(await admission.admit(admissionRequest(tenantId, { limits })));
    const refused = await admission.admit(admissionRequest(tenantId, { limits }));
    expect(refused).toMatchObject({
      admitted: false,
      refusal: { code: 'concurrency_limit_exceeded', level: 'key', limit: 'max_concurrency', retryAfterSeconds: 1 },
    });
    expect(await raw.zcard(prefix + RedisKeys.concurrency(tenantId, 'tenant'))).toBe(2);

    expect(await admission.settle({ ticket: first, actualTokens: 10, actualCostMicros: 0 })).toBe('settled');
    admitted(await admission.admit(admissionRequest(tenantId, { limits })));
  });

  it('refuses over the period quota of calls and of tokens with quota_exceeded until the period ends', async () => {
    const tenantId = randomUUID();
    const now = await nowSeconds();
    const periodEnd = now + 3_600;
    const quota = { periodStart: '2026-11-01T00:00:00.000Z', periodEndEpochSeconds: periodEnd, apiCalls: 2, aiTokens: 1_000 };
    const limits: ResolvedLimits = { ...NO_LIMITS, quota };
    admitted(await admission.admit(admissionRequest(tenantId, { limits, reservedTokens: 700 })));

    const overTokens = await admission.admit(admissionRequest(tenantId, { limits, reservedTokens: 301 }));
    expect(overTokens).toMatchObject({ admitted: false, refusal: { code: 'quota_exceeded', level: 'tenant', limit: 'ai_tokens_per_period' } });
    admitted(await admission.admit(admissionRequest(tenantId, { limits, reservedTokens: 300 })));

    const overCalls = await admission.admit(admissionRequest(tenantId, { limits, reservedTokens: 0 }));
    expect(overCalls).toMatchObject({ admitted: false, refusal: { code: 'quota_exceeded', level: 'tenant', limit: 'api_calls_per_period' } });
    if (overCalls.admitted) return;
    expect(overCalls.refusal.retryAfterSeconds).toBeGreaterThan(3_500);
    expect(overCalls.refusal.retryAfterSeconds).toBeLessThanOrEqual(3_600);
    expect(await raw.get(prefix + RedisKeys.quotaCounter(tenantId, quota.periodStart, 'calls'))).toBe('2');
    expect(await raw.get(prefix + RedisKeys.quotaCounter(tenantId, quota.periodStart, 'tokens'))).toBe('1000');
    // A new period counts from zero.
    const nextPeriod = { ...quota, periodStart: '2026-12-01T00:00:00.000Z' };
    admitted(await admission.admit(admissionRequest(tenantId, { limits: { ...NO_LIMITS, quota: nextPeriod } })));
  });

  it('keeps counting the quota when the projection still shows a period that has ended', async () => {
    const tenantId = randomUUID();
    const quota = { periodStart: 'p0', periodEndEpochSeconds: (await nowSeconds()) - 3 * 86_400, apiCalls: 1, aiTokens: null };
    const limits: ResolvedLimits = { ...NO_LIMITS, quota };
    admitted(await admission.admit(admissionRequest(tenantId, { limits })));
    expect(await admission.admit(admissionRequest(tenantId, { limits }))).toMatchObject({
      admitted: false,
      refusal: { code: 'quota_exceeded', retryAfterSeconds: 1 },
    });
  });

  it('reserves credit against the balance and refuses with insufficient_credits when the rest does not cover it', async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 1_000);
    admitted(await admission.admit(admissionRequest(tenantId, { creditReservationMicros: 600 })));
    expect(await held(tenantId)).toBe(600);
    expect(await balance(tenantId)).toBe(1_000);

    const refused = await admission.admit(admissionRequest(tenantId, { creditReservationMicros: 401 }));
    expect(refused).toMatchObject({
      admitted: false,
      refusal: { code: 'insufficient_credits', level: 'tenant', limit: 'credits', retryAfterSeconds: null },
    });
    admitted(await admission.admit(admissionRequest(tenantId, { creditReservationMicros: 400 })));
    expect(await held(tenantId)).toBe(1_000);
  });

  it('refuses a prepaid tenant without a balance', async () => {
    const refused = await admission.admit(admissionRequest(randomUUID(), { creditReservationMicros: 1 }));
    expect(refused).toMatchObject({ admitted: false, refusal: { code: 'insufficient_credits' } });
  });

  it('is all or nothing: a refused request reserves nothing at any level', async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 100);
    const limits: ResolvedLimits = {
      windows: [
        { level: 'tenant', subject: 'tenant', window: 'rpm', limit: 100 },
        { level: 'team', subject: 'team:t1', window: 'rph', limit: 100 },
        { level: 'key', subject: 'key:k1', window: 'tpm', limit: 10_000 },
        { level: 'key', subject: 'key:k1', window: 'tpd', limit: 10_000 },
      ],
      concurrency: [
        { level: 'tenant', subject: 'tenant', limit: 10 },
        { level: 'key', subject: 'key:k1', limit: 10 },
      ],
      quota: { periodStart: 'p1', periodEndEpochSeconds: (await nowSeconds()) + 3_600, apiCalls: 100, aiTokens: 100_000 },
      budgets: [
        { level: 'team', subject: 'team:t1', limitMicros: 1_000, period: 'total', periodKey: 'total', periodEndEpochSeconds: null },
        { level: 'key', subject: 'key:k1', limitMicros: 1_000, period: 'day', periodKey: 'day:2026-11-25', periodEndEpochSeconds: (await nowSeconds()) + 3_600 },
      ],
    };
    // Everything passes except credits.
    const refused = await admission.admit(admissionRequest(tenantId, { limits, creditReservationMicros: 101, budgetReservationMicros: 101 }));
    expect(refused).toMatchObject({ admitted: false, refusal: { code: 'insufficient_credits' } });
    expect(await tenantKeys(tenantId)).toEqual([RedisKeys.credits(tenantId)]);

    // Everything passes except the key's concurrency, which is full.
    const keyFull: ResolvedLimits = { ...limits, concurrency: [limits.concurrency[0], { level: 'key', subject: 'key:k1', limit: 0 }] };
    const refusedAgain = await admission.admit(admissionRequest(tenantId, { limits: keyFull, creditReservationMicros: 50, budgetReservationMicros: 50 }));
    expect(refusedAgain).toMatchObject({ admitted: false, refusal: { code: 'concurrency_limit_exceeded', level: 'key' } });
    expect(await tenantKeys(tenantId)).toEqual([RedisKeys.credits(tenantId)]);
    expect(refusedAgain.rateLimit.requests).toMatchObject({ limit: 100, remaining: 100 });
    expect(refusedAgain.rateLimit.tokens).toMatchObject({ limit: 10_000, remaining: 10_000 });
  });

  it('reports the refusal that waiting cannot fix when several limits refuse', async () => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = {
      windows: [{ level: 'tenant', subject: 'tenant', window: 'rpm', limit: 0 }],
      concurrency: [{ level: 'tenant', subject: 'tenant', limit: 0 }],
      quota: { periodStart: 'p1', periodEndEpochSeconds: (await nowSeconds()) + 3_600, apiCalls: 0, aiTokens: null },
      budgets: [],
    };
    const withCredits = await admission.admit(admissionRequest(tenantId, { limits, creditReservationMicros: 1 }));
    expect(withCredits).toMatchObject({ admitted: false, refusal: { code: 'insufficient_credits' } });
    const withoutCredits = await admission.admit(admissionRequest(tenantId, { limits }));
    expect(withoutCredits).toMatchObject({ admitted: false, refusal: { code: 'quota_exceeded', limit: 'api_calls_per_period' } });
    const windowAndSlots = await admission.admit(admissionRequest(tenantId, { limits: { ...limits, quota: null } }));
    expect(windowAndSlots).toMatchObject({ admitted: false, refusal: { code: 'rate_limit_exceeded', limit: 'rpm' } });
  });

  it('refuses to admit one request id twice', async () => {
    const request = admissionRequest(randomUUID());
    admitted(await admission.admit(request));
    await expect(admission.admit(request)).rejects.toBeInstanceOf(DuplicateAdmissionError);
  });
});

describe('Admission.settle', () => {
  const tokenLimits: ResolvedLimits = {
    windows: [
      { level: 'tenant', subject: 'tenant', window: 'tpm', limit: 100_000 },
      { level: 'key', subject: 'key:k1', window: 'tpd', limit: 100_000 },
    ],
    concurrency: [{ level: 'tenant', subject: 'tenant', limit: 10 }],
    quota: { periodStart: 'p1', periodEndEpochSeconds: Math.floor(Date.now() / 1000) + 86_400, apiCalls: null, aiTokens: 1_000_000 },
    budgets: [],
  };

  it('replaces the token and credit reservations by the actual usage and frees the slots', async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 10_000);
    const ticket = admitted(await admission.admit(admissionRequest(tenantId, { limits: tokenLimits, reservedTokens: 600, creditReservationMicros: 3_000 })));
    expect(await windowCount(tenantId, 'tenant', 'tpm')).toBe(600);

    expect(await admission.settle({ ticket, actualTokens: 250, actualCostMicros: 1_200 })).toBe('settled');
    expect(await windowCount(tenantId, 'tenant', 'tpm')).toBe(250);
    expect(await windowCount(tenantId, 'key:k1', 'tpd')).toBe(250);
    expect(await raw.get(prefix + RedisKeys.quotaCounter(tenantId, 'p1', 'tokens'))).toBe('250');
    expect(await raw.zcard(prefix + RedisKeys.concurrency(tenantId, 'tenant'))).toBe(0);
    expect(await balance(tenantId)).toBe(8_800);
    expect(await held(tenantId)).toBe(0);
  });

  it('charges actual usage above the estimate; the balance goes negative by that excess only', async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 500);
    const ticket = admitted(await admission.admit(admissionRequest(tenantId, { limits: tokenLimits, reservedTokens: 100, creditReservationMicros: 500 })));
    await admission.settle({ ticket, actualTokens: 400, actualCostMicros: 800 });
    expect(await windowCount(tenantId, 'tenant', 'tpm')).toBe(400);
    expect(await raw.get(prefix + RedisKeys.quotaCounter(tenantId, 'p1', 'tokens'))).toBe('400');
    expect(await balance(tenantId)).toBe(-300);
    const refused = await admission.admit(admissionRequest(tenantId, { creditReservationMicros: 0 }));
    expect(refused).toMatchObject({ admitted: false, refusal: { code: 'insufficient_credits' } });
  });

  it('is idempotent per request id: settling again changes nothing', async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 10_000);
    const ticket = admitted(await admission.admit(admissionRequest(tenantId, { limits: tokenLimits, reservedTokens: 600, creditReservationMicros: 3_000 })));
    await admission.settle({ ticket, actualTokens: 250, actualCostMicros: 1_200 });
    const before = await Promise.all([windowCount(tenantId, 'tenant', 'tpm'), balance(tenantId), held(tenantId)]);

    expect(await admission.settle({ ticket, actualTokens: 250, actualCostMicros: 1_200 })).toBe('already_settled');
    expect(await admission.settle({ ticket, actualTokens: 9_999, actualCostMicros: 9_999 })).toBe('already_settled');
    expect(await Promise.all([windowCount(tenantId, 'tenant', 'tpm'), balance(tenantId), held(tenantId)])).toEqual(before);
    expect(before).toEqual([250, 8_800, 0]);
  });

  it('ignores a settlement for a request it never admitted', async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 1_000);
    const ticket: AdmissionTicket = {
      tenantId,
      requestId: randomUUID(),
      concurrencySubjects: ['tenant'],
      tokenWindows: [{ subject: 'tenant', window: 'tpm' }],
      quotaTokens: null,
      holdsCredit: true,
      budgets: [{ subject: 'key:k1', periodKey: 'total', periodEndEpochSeconds: null }],
    };
    expect(await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 10 })).toBe('unknown');
    expect(await balance(tenantId)).toBe(1_000);
    expect(await tenantKeys(tenantId)).toEqual([RedisKeys.credits(tenantId)]);
  });

  describe('token totals', () => {
    const settledAt = new Date('2026-11-25T10:00:00.000Z');

    async function totals(tenantId: string): Promise<[Record<string, string>, string | null]> {
      return Promise.all([
        raw.hgetall(prefix + RedisKeys.tenantDailyTokens(tenantId, '20261125')),
        raw.get(prefix + RedisKeys.tenantMonthlyTokens(tenantId, '202611')),
      ]);
    }

    it('adds the tokens to the tenant\'s daily total of the model and monthly total, with TTLs', async () => {
      const tenantId = randomUUID();
      for (const [model, tokens] of [['gpt-4', 1_000], ['gpt-4', 500], ['claude-3-sonnet', 800]] as const) {
        const ticket = admitted(await admission.admit(admissionRequest(tenantId)));
        expect(await admission.settle({ ticket, actualTokens: tokens, actualCostMicros: 0, tokenTotals: { model, settledAt } })).toBe('settled');
      }
      expect(await totals(tenantId)).toEqual([{ 'gpt-4': '1500', 'claude-3-sonnet': '800' }, '2300']);
      const dailyTtl = await raw.ttl(prefix + RedisKeys.tenantDailyTokens(tenantId, '20261125'));
      const monthlyTtl = await raw.ttl(prefix + RedisKeys.tenantMonthlyTokens(tenantId, '202611'));
      expect(dailyTtl).toBeGreaterThan(2 * 86_400);
      expect(dailyTtl).toBeLessThanOrEqual(3 * 86_400);
      expect(monthlyTtl).toBeGreaterThan(31 * 86_400);
    });

    it('counts a request once however often it is settled', async () => {
      const tenantId = randomUUID();
      const ticket = admitted(await admission.admit(admissionRequest(tenantId, { limits: tokenLimits, creditReservationMicros: null })));
      const settlement = { ticket, actualTokens: 250, actualCostMicros: 0, tokenTotals: { model: 'gpt-4', settledAt } };
      expect(await admission.settle(settlement)).toBe('settled');
      expect(await admission.settle(settlement)).toBe('already_settled');
      expect(await admission.settle({ ...settlement, actualTokens: 9_999 })).toBe('already_settled');
      expect(await totals(tenantId)).toEqual([{ 'gpt-4': '250' }, '250']);
    });

    it('finds the totals keys after the credit keys of a prepaid request', async () => {
      const tenantId = randomUUID();
      await setBalance(tenantId, 10_000);
      const ticket = admitted(await admission.admit(admissionRequest(tenantId, { creditReservationMicros: 3_000 })));
      await admission.settle({ ticket, actualTokens: 40, actualCostMicros: 1_200, tokenTotals: { model: 'gpt-4', settledAt } });
      expect(await totals(tenantId)).toEqual([{ 'gpt-4': '40' }, '40']);
      expect(await balance(tenantId)).toBe(8_800);
    });

    it('leaves the totals alone for a request that used no tokens, or a settlement of an unknown request', async () => {
      const tenantId = randomUUID();
      const ticket = admitted(await admission.admit(admissionRequest(tenantId)));
      await admission.settle({ ticket, actualTokens: 0, actualCostMicros: 0, tokenTotals: { model: 'gpt-4', settledAt } });
      const unknown: AdmissionTicket = { ...ticket, requestId: randomUUID() };
      expect(await admission.settle({ ticket: unknown, actualTokens: 10, actualCostMicros: 0, tokenTotals: { model: 'gpt-4', settledAt } })).toBe('unknown');
      expect(await totals(tenantId)).toEqual([{}, null]);
    });
  });
});

describe('crash safety', () => {
  it("releases a crashed request's slots and credit hold by themselves once its hold expires", async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 1_000);
    const limits: ResolvedLimits = { ...NO_LIMITS, concurrency: [{ level: 'key', subject: 'key:k1', limit: 1 }] };
    // Admitted, then the gateway "dies": no settlement ever comes.
    admitted(await admission.admit(admissionRequest(tenantId, { limits, creditReservationMicros: 1_000, holdTtlMs: 300 })));
    expect(await admission.admit(admissionRequest(tenantId, { limits, creditReservationMicros: 1 }))).toMatchObject({ admitted: false });

    await waitUntil(
      async () => (await raw.exists(prefix + RedisKeys.concurrency(tenantId, 'key:k1'), prefix + RedisKeys.creditHeld(tenantId))) === 0,
      5_000,
      'the expired holds to disappear',
    );
    expect(await balance(tenantId)).toBe(1_000);
    admitted(await admission.admit(admissionRequest(tenantId, { limits, creditReservationMicros: 1_000 })));
  });

  it('purges expired holds at the next admission while other holds keep the keys alive', async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 1_000);
    const limits: ResolvedLimits = { ...NO_LIMITS, concurrency: [{ level: 'tenant', subject: 'tenant', limit: 2 }] };
    admitted(await admission.admit(admissionRequest(tenantId, { limits, creditReservationMicros: 600, holdTtlMs: 200 })));
    admitted(await admission.admit(admissionRequest(tenantId, { limits, creditReservationMicros: 100, holdTtlMs: 60_000 })));

    // Polls admissions: each refused attempt reserves nothing, the first after the short hold's deadline gets in.
    await waitUntil(
      async () => (await admission.admit(admissionRequest(tenantId, { limits, creditReservationMicros: 900 }))).admitted,
      5_000,
      'an admission after the crashed hold expired',
    );
    expect(await held(tenantId)).toBe(1_000);
    expect(await raw.zcard(prefix + RedisKeys.concurrency(tenantId, 'tenant'))).toBe(2);
  });

  it('still charges a request that settles after its hold expired, once', async () => {
    const tenantId = randomUUID();
    await setBalance(tenantId, 1_000);
    const ticket = admitted(await admission.admit(admissionRequest(tenantId, { creditReservationMicros: 500, holdTtlMs: 100 })));
    await waitUntil(async () => (await raw.exists(prefix + RedisKeys.creditHeld(tenantId))) === 0, 5_000, 'the hold to expire');
    expect(await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 700 })).toBe('settled');
    expect(await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 700 })).toBe('already_settled');
    expect(await balance(tenantId)).toBe(300);
    expect(await held(tenantId)).toBe(0);
  });
});
