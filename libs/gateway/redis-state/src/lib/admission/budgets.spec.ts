import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisKeys } from '@sluice/contracts';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import { Admission } from './admission';
import type { AdmissionRequest, AdmissionResult, AdmissionTicket, BudgetLimit, ResolvedLimits } from './admission.types';

/** Several connections, each its own Admission: gateway replicas sharing one Redis. */
const REPLICAS = 4;

const prefix = uniqueKeyPrefix();
const clients = Array.from({ length: REPLICAS }, () => new Redis(TEST_REDIS_URL, { keyPrefix: prefix }));
const replicas = clients.map((client) => new Admission(client));
const admission = replicas[0];
const raw = new Redis(TEST_REDIS_URL);

afterAll(async () => {
  await deleteKeysWithPrefix(prefix);
  for (const client of clients) client.disconnect();
  raw.disconnect();
});

async function nowSeconds(): Promise<number> {
  const [seconds] = await raw.time();
  return Number(seconds);
}

function keyBudget(overrides: Partial<BudgetLimit> = {}): BudgetLimit {
  return { level: 'key', subject: 'key:k1', limitMicros: 1_000, period: 'total', periodKey: 'total', periodEndEpochSeconds: null, ...overrides };
}

function limitsWith(...budgets: BudgetLimit[]): ResolvedLimits {
  return { windows: [], concurrency: [], quota: null, budgets };
}

function request(tenantId: string, limits: ResolvedLimits, budgetReservationMicros: number, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return { tenantId, requestId: randomUUID(), limits, reservedTokens: 100, creditReservationMicros: null, budgetReservationMicros, holdTtlMs: 60_000, ...overrides };
}

function admitted(result: AdmissionResult): AdmissionTicket {
  if (!result.admitted) throw new Error(`expected admission, got ${JSON.stringify(result.refusal)}`);
  return result.ticket;
}

/** The budget counter of one subject and period: settled spend and live holds, micro-USD. */
async function budgetState(tenantId: string, subject: string, periodKey: string): Promise<{ spent: number; held: number; holds: number }> {
  const [spent, held] = await raw.hmget(prefix + RedisKeys.budgetSpend(tenantId, subject, periodKey), 'spent', 'held');
  const holds = await raw.zcard(prefix + RedisKeys.budgetHolds(tenantId, subject, periodKey));
  return { spent: Number(spent ?? 0), held: Number(held ?? 0), holds };
}

describe('budgets: admission', () => {
  it("holds the request's maximum cost and refuses, with 402 insufficient_credits naming the budget, what no longer fits", async () => {
    const tenantId = randomUUID();
    const periodEnd = (await nowSeconds()) + 7_200;
    const budget = keyBudget({ limitMicros: 1_000, period: 'day', periodKey: 'day:2026-11-25', periodEndEpochSeconds: periodEnd });
    const limits = limitsWith(budget);
    admitted(await admission.admit(request(tenantId, limits, 600)));
    expect(await budgetState(tenantId, 'key:k1', 'day:2026-11-25')).toEqual({ spent: 0, held: 600, holds: 1 });

    const refused = await admission.admit(request(tenantId, limits, 401));
    expect(refused).toMatchObject({
      admitted: false,
      refusal: { code: 'insufficient_credits', level: 'key', limit: 'budget_usd', budget: { usd: 0.001, period: 'day' } },
    });
    if (refused.admitted) return;
    // A day budget renews at the end of its day: that is when a retry may pass.
    expect(refused.refusal.retryAfterSeconds).toBeGreaterThan(7_100);
    expect(refused.refusal.retryAfterSeconds).toBeLessThanOrEqual(7_200);
    expect(await budgetState(tenantId, 'key:k1', 'day:2026-11-25')).toEqual({ spent: 0, held: 600, holds: 1 });

    // Exactly at the budget still fits.
    admitted(await admission.admit(request(tenantId, limits, 400)));
    expect(await budgetState(tenantId, 'key:k1', 'day:2026-11-25')).toEqual({ spent: 0, held: 1_000, holds: 2 });
  });

  it("counts every key of a team against the team's budget, and each key against its own", async () => {
    const tenantId = randomUUID();
    const team = keyBudget({ level: 'team', subject: 'team:t1', limitMicros: 1_000 });
    const keyOne = limitsWith(team, keyBudget({ subject: 'key:k1', limitMicros: 700 }));
    const keyTwo = limitsWith(team, keyBudget({ subject: 'key:k2', limitMicros: 700 }));
    admitted(await admission.admit(request(tenantId, keyOne, 500)));
    // Key two's own budget has room, the team's does not.
    expect(await admission.admit(request(tenantId, keyTwo, 600))).toMatchObject({
      admitted: false,
      refusal: { code: 'insufficient_credits', level: 'team', limit: 'budget_usd', retryAfterSeconds: null },
    });
    // Key one's own budget has no room for 300 more, the team's does.
    expect(await admission.admit(request(tenantId, keyOne, 300))).toMatchObject({ admitted: false, refusal: { level: 'key' } });
    admitted(await admission.admit(request(tenantId, keyTwo, 500)));
    expect(await budgetState(tenantId, 'team:t1', 'total')).toMatchObject({ held: 1_000, holds: 2 });
    expect(await budgetState(tenantId, 'key:k2', 'total')).toMatchObject({ held: 500, holds: 1 });
  });

  it('starts a new period from zero', async () => {
    const tenantId = randomUUID();
    const periodEnd = (await nowSeconds()) + 3_600;
    const today = keyBudget({ period: 'day', periodKey: 'day:2026-11-25', periodEndEpochSeconds: periodEnd });
    admitted(await admission.admit(request(tenantId, limitsWith(today), 1_000)));
    expect((await admission.admit(request(tenantId, limitsWith(today), 1))).admitted).toBe(false);
    const tomorrow = { ...today, periodKey: 'day:2026-11-26', periodEndEpochSeconds: periodEnd + 86_400 };
    admitted(await admission.admit(request(tenantId, limitsWith(tomorrow), 1_000)));
  });

  it('keeps a day budget one day past its period and a total budget for ever', async () => {
    const tenantId = randomUUID();
    const periodEnd = (await nowSeconds()) + 3_600;
    const day = keyBudget({ subject: 'key:k1', period: 'day', periodKey: 'day:2026-11-25', periodEndEpochSeconds: periodEnd });
    const total = keyBudget({ level: 'team', subject: 'team:t1' });
    admitted(await admission.admit(request(tenantId, limitsWith(day, total), 10)));
    for (const key of [RedisKeys.budgetSpend(tenantId, 'key:k1', 'day:2026-11-25'), RedisKeys.budgetHolds(tenantId, 'key:k1', 'day:2026-11-25')]) {
      expect(await raw.expiretime(prefix + key)).toBe(periodEnd + 86_400);
    }
    expect(await raw.ttl(prefix + RedisKeys.budgetSpend(tenantId, 'team:t1', 'total'))).toBe(-1);
  });

  it('reports a spent total budget before what waiting can fix, and a day budget by its wait', async () => {
    const tenantId = randomUUID();
    const now = await nowSeconds();
    const quota = { periodStart: 'p1', periodEndEpochSeconds: now + 600, apiCalls: 0, aiTokens: null };
    const windows = [{ level: 'tenant' as const, subject: 'tenant', window: 'rpm' as const, limit: 0 }];
    const total = keyBudget({ limitMicros: 0 });
    expect(await admission.admit(request(tenantId, { ...limitsWith(total), windows, quota }, 1))).toMatchObject({
      admitted: false,
      refusal: { code: 'insufficient_credits', limit: 'budget_usd', retryAfterSeconds: null },
    });
    // A day budget ending in an hour outlasts a quota period ending in ten minutes.
    const day = keyBudget({ limitMicros: 0, period: 'day', periodKey: 'day:x', periodEndEpochSeconds: now + 3_600 });
    expect(await admission.admit(request(tenantId, { ...limitsWith(day), windows, quota }, 1))).toMatchObject({
      admitted: false,
      refusal: { limit: 'budget_usd', budget: { usd: 0, period: 'day' } },
    });
    const later = { ...quota, periodEndEpochSeconds: now + 7_200 };
    expect(await admission.admit(request(tenantId, { ...limitsWith(day), windows, quota: later }, 1))).toMatchObject({
      admitted: false,
      refusal: { code: 'quota_exceeded' },
    });
  });

  it('admits a request that costs nothing at a spent budget, but not past an overspent one', async () => {
    const tenantId = randomUUID();
    const limits = limitsWith(keyBudget({ limitMicros: 100 }));
    const ticket = admitted(await admission.admit(request(tenantId, limits, 100)));
    admitted(await admission.admit(request(tenantId, limits, 0)));
    await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 150 });
    expect((await admission.admit(request(tenantId, limits, 0))).admitted).toBe(false);
  });
});

describe('budgets: settlement', () => {
  it('replaces the hold by the actual cost, in every budget it held, once', async () => {
    const tenantId = randomUUID();
    const limits = limitsWith(keyBudget({ level: 'team', subject: 'team:t1', limitMicros: 10_000 }), keyBudget({ limitMicros: 5_000 }));
    const ticket = admitted(await admission.admit(request(tenantId, limits, 3_000)));
    expect(await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 1_200 })).toBe('settled');
    expect(await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 1_200 })).toBe('already_settled');
    expect(await budgetState(tenantId, 'team:t1', 'total')).toEqual({ spent: 1_200, held: 0, holds: 0 });
    expect(await budgetState(tenantId, 'key:k1', 'total')).toEqual({ spent: 1_200, held: 0, holds: 0 });
    // 1,200 spent: exactly 3,800 more fit in the key's budget.
    expect((await admission.admit(request(tenantId, limits, 3_801))).admitted).toBe(false);
    admitted(await admission.admit(request(tenantId, limits, 3_800)));
  });

  it('charges a cost above the hold in full: the budget is then overspent by that excess only', async () => {
    const tenantId = randomUUID();
    const limits = limitsWith(keyBudget({ limitMicros: 1_000 }));
    const ticket = admitted(await admission.admit(request(tenantId, limits, 1_000)));
    await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 1_300 });
    expect(await budgetState(tenantId, 'key:k1', 'total')).toEqual({ spent: 1_300, held: 0, holds: 0 });
  });

  it("releases a crashed request's hold once it expires, and still charges a late settlement's cost once", async () => {
    const tenantId = randomUUID();
    const limits = limitsWith(keyBudget({ limitMicros: 1_000 }));
    // Admitted, then the gateway "dies": no settlement comes before the hold's deadline.
    const ticket = admitted(await admission.admit(request(tenantId, limits, 800, { holdTtlMs: 200 })));
    expect((await admission.admit(request(tenantId, limits, 800))).admitted).toBe(false);
    // Each refused attempt reserves nothing; the first after the crashed hold's deadline gets in.
    await waitUntil(async () => (await admission.admit(request(tenantId, limits, 800))).admitted, 5_000, 'the crashed hold to be released');
    expect(await budgetState(tenantId, 'key:k1', 'total')).toEqual({ spent: 0, held: 800, holds: 1 });

    expect(await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 150 })).toBe('settled');
    expect(await admission.settle({ ticket, actualTokens: 10, actualCostMicros: 150 })).toBe('already_settled');
    expect(await budgetState(tenantId, 'key:k1', 'total')).toEqual({ spent: 150, held: 800, holds: 1 });
  });
});

describe('budgets: exactness across replicas', () => {
  const ATTEMPTS = 200;
  const WORTH = 50;
  const HOLD = 1_234;

  it(`admits exactly ${WORTH} of ${ATTEMPTS} concurrent requests at a budget worth ${WORTH}, then settles each once`, async () => {
    const tenantId = randomUUID();
    const limits = limitsWith(keyBudget({ level: 'team', subject: 'team:t1', limitMicros: WORTH * HOLD }), keyBudget({ limitMicros: 1_000_000_000 }));
    const results = await Promise.all(Array.from({ length: ATTEMPTS }, (_, i) => replicas[i % REPLICAS].admit(request(tenantId, limits, HOLD))));
    const tickets = results.flatMap((result) => (result.admitted ? [result.ticket] : []));
    expect(tickets).toHaveLength(WORTH);
    expect(new Set(results.flatMap((result) => (result.admitted ? [] : [`${result.refusal.code}/${result.refusal.level}`])))).toEqual(
      new Set(['insufficient_credits/team']),
    );
    expect(await budgetState(tenantId, 'team:t1', 'total')).toEqual({ spent: 0, held: WORTH * HOLD, holds: WORTH });

    // Every request settled twice, from different replicas, at the same time.
    const outcomes = await Promise.all(
      [...tickets, ...tickets].map((ticket, i) => replicas[i % REPLICAS].settle({ ticket, actualTokens: 10, actualCostMicros: 1_000 })),
    );
    expect(outcomes.filter((outcome) => outcome === 'settled')).toHaveLength(WORTH);
    expect(await budgetState(tenantId, 'team:t1', 'total')).toEqual({ spent: WORTH * 1_000, held: 0, holds: 0 });
    expect(await budgetState(tenantId, 'key:k1', 'total')).toEqual({ spent: WORTH * 1_000, held: 0, holds: 0 });
  });
});
