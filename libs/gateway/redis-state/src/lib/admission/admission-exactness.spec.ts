import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisKeys } from '@sluice/contracts';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix } from '@sluice/testing';
import { Admission } from './admission';
import type { AdmissionRequest, AdmissionResult, ResolvedLimits } from './admission.types';

/** Several connections, each its own Admission: gateway replicas sharing one Redis. */
const REPLICAS = 4;
const ATTEMPTS = 200;
const LIMIT = 50;

const prefix = uniqueKeyPrefix();
const clients = Array.from({ length: REPLICAS }, () => new Redis(TEST_REDIS_URL, { keyPrefix: prefix }));
const replicas = clients.map((client) => new Admission(client));
const raw = new Redis(TEST_REDIS_URL);

afterAll(async () => {
  await deleteKeysWithPrefix(prefix);
  for (const client of clients) client.disconnect();
  raw.disconnect();
});

/** Starts the burst away from a minute boundary, where a fixed window would restart mid-burst. */
beforeEach(async () => {
  const [seconds] = await raw.time();
  const remaining = 60 - (Number(seconds) % 60);
  if (remaining < 5) await new Promise((resolve) => setTimeout(resolve, remaining * 1000 + 100));
});

async function burst(build: () => AdmissionRequest): Promise<AdmissionResult[]> {
  return Promise.all(Array.from({ length: ATTEMPTS }, (_, i) => replicas[i % REPLICAS].admit(build())));
}

function request(tenantId: string, limits: ResolvedLimits, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return { tenantId, requestId: randomUUID(), limits, reservedTokens: 100, creditReservationMicros: null, budgetReservationMicros: 0, holdTtlMs: 60_000, ...overrides };
}

const NO_LIMITS: ResolvedLimits = { windows: [], concurrency: [], quota: null, budgets: [] };

function refusalCodes(results: AdmissionResult[]): string[] {
  return [...new Set(results.flatMap((result) => (result.admitted ? [] : [result.refusal.code])))];
}

describe('exactness across replicas', () => {
  it(`admits exactly ${LIMIT} of ${ATTEMPTS} concurrent requests at a request window of ${LIMIT}`, async () => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = { ...NO_LIMITS, windows: [{ level: 'tenant', subject: 'tenant', window: 'rpm', limit: LIMIT }] };
    const results = await burst(() => request(tenantId, limits));
    expect(results.filter((result) => result.admitted)).toHaveLength(LIMIT);
    expect(refusalCodes(results)).toEqual(['rate_limit_exceeded']);
    expect(await raw.hget(prefix + RedisKeys.limitWindow(tenantId, 'tenant', 'rpm'), 'n')).toBe(String(LIMIT));
  });

  it(`admits exactly ${LIMIT} token reservations that fit a token window`, async () => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = { ...NO_LIMITS, windows: [{ level: 'key', subject: 'key:k1', window: 'tpm', limit: LIMIT * 100 }] };
    const results = await burst(() => request(tenantId, limits, { reservedTokens: 100 }));
    expect(results.filter((result) => result.admitted)).toHaveLength(LIMIT);
    expect(await raw.hget(prefix + RedisKeys.limitWindow(tenantId, 'key:k1', 'tpm'), 'n')).toBe(String(LIMIT * 100));
  });

  it(`admits exactly ${LIMIT} token reservations that fit a tokens-per-hour window, counted in the hour's counter`, async () => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = { ...NO_LIMITS, windows: [{ level: 'team', subject: 'team:t1', window: 'tph', limit: LIMIT * 100 }] };
    const results = await burst(() => request(tenantId, limits, { reservedTokens: 100 }));
    expect(results.filter((result) => result.admitted)).toHaveLength(LIMIT);
    expect(refusalCodes(results)).toEqual(['rate_limit_exceeded']);
    const refused = results.find((result) => !result.admitted);
    expect(refused && !refused.admitted && refused.refusal).toMatchObject({ level: 'team', limit: 'tph' });
    const [seconds] = await raw.time();
    const window = prefix + RedisKeys.limitWindow(tenantId, 'team:t1', 'tph');
    expect(await raw.hmget(window, 'w', 'n')).toEqual([String(Math.floor(Number(seconds) / 3_600)), String(LIMIT * 100)]);
  });

  it(`holds exactly ${LIMIT} concurrency slots`, async () => {
    const tenantId = randomUUID();
    const limits: ResolvedLimits = { ...NO_LIMITS, concurrency: [{ level: 'tenant', subject: 'tenant', limit: LIMIT }] };
    const results = await burst(() => request(tenantId, limits));
    expect(results.filter((result) => result.admitted)).toHaveLength(LIMIT);
    expect(refusalCodes(results)).toEqual(['concurrency_limit_exceeded']);
    expect(await raw.zcard(prefix + RedisKeys.concurrency(tenantId, 'tenant'))).toBe(LIMIT);
  });

  it('never reserves more credit than the balance, however many requests race', async () => {
    const tenantId = randomUUID();
    await raw.set(prefix + RedisKeys.credits(tenantId), LIMIT * 1_000);
    const results = await burst(() => request(tenantId, NO_LIMITS, { creditReservationMicros: 1_000 }));
    expect(results.filter((result) => result.admitted)).toHaveLength(LIMIT);
    expect(refusalCodes(results)).toEqual(['insufficient_credits']);
    expect(await raw.get(prefix + RedisKeys.creditHeld(tenantId))).toBe(String(LIMIT * 1_000));
    expect(await raw.zcard(prefix + RedisKeys.creditHolds(tenantId))).toBe(LIMIT);
  });

  it('settles concurrently from every replica without losing or double-counting an update', async () => {
    const tenantId = randomUUID();
    await raw.set(prefix + RedisKeys.credits(tenantId), 1_000_000);
    const limits: ResolvedLimits = { ...NO_LIMITS, windows: [{ level: 'tenant', subject: 'tenant', window: 'tpd', limit: 1_000_000 }] };
    const tickets = (await burst(() => request(tenantId, limits, { reservedTokens: 500, creditReservationMicros: 2_000 }))).flatMap((result) =>
      result.admitted ? [result.ticket] : [],
    );
    expect(tickets).toHaveLength(ATTEMPTS);
    // Every request settled twice, from different replicas, at the same time.
    const outcomes = await Promise.all(
      [...tickets, ...tickets].map((ticket, i) => replicas[i % REPLICAS].settle({ ticket, actualTokens: 100, actualCostMicros: 1_500 })),
    );
    expect(outcomes.filter((outcome) => outcome === 'settled')).toHaveLength(ATTEMPTS);
    expect(await raw.hget(prefix + RedisKeys.limitWindow(tenantId, 'tenant', 'tpd'), 'n')).toBe(String(ATTEMPTS * 100));
    expect(await raw.get(prefix + RedisKeys.credits(tenantId))).toBe(String(1_000_000 - ATTEMPTS * 1_500));
    expect(await raw.exists(prefix + RedisKeys.creditHeld(tenantId))).toBe(0);
  });
});
