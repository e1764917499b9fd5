import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisKeys } from '@sluice/contracts';
import { apiKeyRecord, DisposableRedisServer, tenantRecord, waitUntil } from '@sluice/testing';
import { Admission, DuplicateAdmissionError } from './admission';
import type { AdmissionRequest, AdmissionResult, AdmissionTicket, ResolvedLimits } from './admission.types';
import { buildAdmissionRequest } from './resolve-limits';
import { utcDayStamp, utcMonthStamp } from './token-totals';

/**
 * What one request costs Redis: the commands the scripts run and the keys they touch, seen with MONITOR on a
 * private redis-server (so no other test's commands are in it). A request pays only for the limits it carries
 * (docs/limits.md, What admission costs), and each kind of limit still binds when present.
 */

const PREFIX = 'p:';
let server: DisposableRedisServer;
let redis: Redis;
let admission: Admission;
let monitor: Awaited<ReturnType<Redis['monitor']>>;
/** Commands run inside scripts since the last `scriptCommands()`, without the key prefix. */
let seen: string[][] = [];

beforeAll(async () => {
  server = await DisposableRedisServer.start();
  redis = new Redis(server.url, { keyPrefix: PREFIX });
  admission = new Admission(redis);
  // MONITOR gets a connection of its own, made (and closed below) by the client.
  monitor = await redis.monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source.includes('lua')) seen.push(args.map((arg) => (arg.startsWith(PREFIX) ? arg.slice(PREFIX.length) : arg)));
    else if (args[0]?.toLowerCase() === 'echo') seen.push(args);
  });
});

afterAll(async () => {
  monitor.disconnect();
  redis.disconnect();
  await server.stop();
});

/** The script commands since the last call: an ECHO marks the end, so every earlier command has arrived. */
async function scriptCommands(): Promise<string[][]> {
  const marker = randomUUID();
  await redis.echo(marker);
  await waitUntil(async () => seen.some((args) => args[1] === marker), 5_000, 'MONITOR to show the marker');
  const commands = seen.slice(0, seen.findIndex((args) => args[1] === marker));
  seen = [];
  return commands;
}

/** The keys the commands touched (TIME has none; MGET names two). */
function touchedKeys(commands: string[][]): Set<string> {
  return new Set(commands.flatMap(([name, ...args]) => (name.toLowerCase() === 'time' ? [] : name.toLowerCase() === 'mget' ? args : [args[0]])));
}

function admitted(result: AdmissionResult): AdmissionTicket {
  if (!result.admitted) throw new Error(`expected admission, got ${JSON.stringify(result.refusal)}`);
  return result.ticket;
}

/** Away from the end of a minute, so that two requests in a row share their windows. */
async function awayFromWindowEdge(): Promise<void> {
  const [seconds] = await redis.time();
  const remaining = 60 - (Number(seconds) % 60);
  if (remaining < 5) await new Promise((resolve) => setTimeout(resolve, remaining * 1000 + 100));
}

describe('a tenant with only its plan rpm and tpm', () => {
  const tenant = tenantRecord({ limits: { rpm: 100, tpm: 100_000 } });
  const apiKey = apiKeyRecord(tenant.id);
  const pricing = { input_per_mtok_usd: 1, output_per_mtok_usd: 2 };
  const request = () => buildAdmissionRequest({ tenant, apiKey, requestId: randomUUID(), estimatedPromptTokens: 100, maxTokens: 200, pricing, holdTtlMs: 60_000 });
  const settledAt = new Date();

  it('pays for its two windows, its record and its token totals only: 12 commands once the windows and totals exist', async () => {
    await awayFromWindowEdge();
    // The first request of a minute starts the windows and sets their expiries (and the day's and month's totals').
    const first = admitted(await admission.admit(request()));
    await admission.settle({ ticket: first, actualTokens: 250, actualCostMicros: 400, tokenTotals: { model: 'm1', settledAt } });
    await scriptCommands();

    const second = request();
    const ticket = admitted(await admission.admit(second));
    const admit = await scriptCommands();
    expect(await admission.settle({ ticket, actualTokens: 250, actualCostMicros: 400, tokenTotals: { model: 'm1', settledAt } })).toBe('settled');
    const settle = await scriptCommands();

    const windows = [RedisKeys.limitWindow(tenant.id, 'tenant', 'rpm'), RedisKeys.limitWindow(tenant.id, 'tenant', 'tpm')];
    const record = RedisKeys.admission(tenant.id, second.requestId);
    expect(touchedKeys(admit)).toEqual(new Set([record, ...windows]));
    expect(admit.map(([name]) => name.toLowerCase())).toEqual(['time', 'hmget', 'hmget', 'set', 'hincrby', 'hincrby']);
    expect(touchedKeys(settle)).toEqual(
      new Set([record, windows[1], RedisKeys.tenantDailyTokens(tenant.id, utcDayStamp(settledAt)), RedisKeys.tenantMonthlyTokens(tenant.id, utcMonthStamp(settledAt))]),
    );
    expect(settle.map(([name]) => name.toLowerCase())).toEqual(['get', 'hget', 'hincrby', 'hincrby', 'incrby', 'set']);
    expect(admit.length + settle.length).toBeLessThanOrEqual(15);
  });
});

/** One kind of limit on its own: its limits, and the keys it may touch besides the records. */
interface LimitKind {
  name: string;
  limits: (tenantId: string) => Partial<ResolvedLimits>;
  request?: Partial<AdmissionRequest>;
  setUp?: (tenantId: string) => Promise<void>;
  admits: number;
  refusal: Record<string, unknown>;
  keys: (tenantId: string) => string[];
}

const periodEnd = Math.ceil(Date.UTC(2099, 11, 1) / 1000);
const KINDS: LimitKind[] = [
  {
    name: 'a request window',
    limits: () => ({ windows: [{ level: 'key', subject: 'key:k1', window: 'rpm', limit: 2 }] }),
    admits: 2,
    refusal: { code: 'rate_limit_exceeded', level: 'key', limit: 'rpm' },
    keys: (tenantId) => [RedisKeys.limitWindow(tenantId, 'key:k1', 'rpm')],
  },
  {
    name: 'a token window',
    limits: () => ({ windows: [{ level: 'team', subject: 'team:t1', window: 'tph', limit: 250 }] }),
    admits: 2,
    refusal: { code: 'rate_limit_exceeded', level: 'team', limit: 'tph' },
    keys: (tenantId) => [RedisKeys.limitWindow(tenantId, 'team:t1', 'tph')],
  },
  {
    name: 'concurrency',
    limits: () => ({ concurrency: [{ level: 'tenant', subject: 'tenant', limit: 2 }] }),
    admits: 2,
    refusal: { code: 'concurrency_limit_exceeded', level: 'tenant', limit: 'max_concurrency' },
    keys: (tenantId) => [RedisKeys.concurrency(tenantId, 'tenant')],
  },
  {
    name: 'the period quota of calls',
    limits: () => ({ quota: { periodStart: '2026-11-01T00:00:00.000Z', periodEndEpochSeconds: periodEnd, apiCalls: 3, aiTokens: null } }),
    admits: 3,
    refusal: { code: 'quota_exceeded', level: 'tenant', limit: 'api_calls_per_period' },
    keys: (tenantId) => [RedisKeys.quotaCounter(tenantId, '2026-11-01T00:00:00.000Z', 'calls')],
  },
  {
    name: 'the period quota of tokens',
    limits: () => ({ quota: { periodStart: '2026-11-01T00:00:00.000Z', periodEndEpochSeconds: periodEnd, apiCalls: null, aiTokens: 300 } }),
    admits: 3,
    refusal: { code: 'quota_exceeded', level: 'tenant', limit: 'ai_tokens_per_period' },
    keys: (tenantId) => [RedisKeys.quotaCounter(tenantId, '2026-11-01T00:00:00.000Z', 'tokens')],
  },
  {
    name: 'a budget',
    limits: () => ({ budgets: [{ level: 'key', subject: 'key:k1', limitMicros: 2_500, period: 'total', periodKey: 'total', periodEndEpochSeconds: null }] }),
    admits: 2,
    refusal: { code: 'insufficient_credits', level: 'key', limit: 'budget_usd', retryAfterSeconds: null },
    keys: (tenantId) => [RedisKeys.budgetSpend(tenantId, 'key:k1', 'total'), RedisKeys.budgetHolds(tenantId, 'key:k1', 'total')],
  },
  {
    name: 'prepaid credit',
    limits: () => ({}),
    request: { creditReservationMicros: 1_000 },
    setUp: async (tenantId) => {
      await redis.set(RedisKeys.credits(tenantId), '3500');
    },
    admits: 3,
    refusal: { code: 'insufficient_credits', level: 'tenant', limit: 'credits', retryAfterSeconds: null },
    keys: (tenantId) => [RedisKeys.credits(tenantId), RedisKeys.creditHolds(tenantId), RedisKeys.creditHoldAmounts(tenantId), RedisKeys.creditHeld(tenantId)],
  },
];

describe('each kind of limit on its own', () => {
  it.each(KINDS.map((kind) => [kind.name, kind] as const))('%s binds, and its admissions and settlements touch only its keys', async (_name, kind) => {
    await awayFromWindowEdge();
    const tenantId = randomUUID();
    await kind.setUp?.(tenantId);
    await scriptCommands();
    const limits: ResolvedLimits = { windows: [], concurrency: [], quota: null, budgets: [], ...kind.limits(tenantId) };
    const request = (): AdmissionRequest => ({
      tenantId,
      requestId: randomUUID(),
      limits,
      reservedTokens: 100,
      creditReservationMicros: null,
      budgetReservationMicros: 1_000,
      holdTtlMs: 60_000,
      ...kind.request,
    });

    const requests = Array.from({ length: kind.admits + 1 }, request);
    const tickets: AdmissionTicket[] = [];
    for (const each of requests.slice(0, kind.admits)) tickets.push(admitted(await admission.admit(each)));
    const refused = await admission.admit(requests[kind.admits]);
    expect(refused).toMatchObject({ admitted: false, refusal: kind.refusal });
    // Its settlement too touches only the kind's keys.
    expect(await admission.settle({ ticket: tickets[0], actualTokens: 0, actualCostMicros: 0 })).toBe('settled');

    const records = new Set(requests.map(({ requestId }) => RedisKeys.admission(tenantId, requestId)));
    const allowed = new Set([...records, ...kind.keys(tenantId)]);
    const touched = [...touchedKeys(await scriptCommands())];
    expect(touched.filter((key) => !allowed.has(key))).toEqual([]);
    expect(touched.filter((key) => !records.has(key)).length).toBeGreaterThan(0);
  });
});

describe('a request id admitted before', () => {
  it('is refused as a duplicate, whether its limits would admit it or not, and changes nothing', async () => {
    await awayFromWindowEdge();
    const tenantId = randomUUID();
    const limits: ResolvedLimits = { windows: [{ level: 'tenant', subject: 'tenant', window: 'rpm', limit: 1 }], concurrency: [], quota: null, budgets: [] };
    const request: AdmissionRequest = { tenantId, requestId: randomUUID(), limits, reservedTokens: 1, creditReservationMicros: null, budgetReservationMicros: 0, holdTtlMs: 60_000 };
    admitted(await admission.admit(request));
    // The window is full: the repeat would be refused, and is reported as the duplicate it is.
    await expect(admission.admit(request)).rejects.toThrow(DuplicateAdmissionError);
    const roomy: AdmissionRequest = { ...request, limits: { ...limits, windows: [{ level: 'key', subject: 'key:k1', window: 'rpm', limit: 10 }] } };
    await expect(admission.admit(roomy)).rejects.toThrow(DuplicateAdmissionError);
    expect(await redis.hget(RedisKeys.limitWindow(tenantId, 'key:k1', 'rpm'), 'n')).toBeNull();
  });
});

describe('expiries of the keys that hold holds', () => {
  it('are set when a key is created and only ever extended: a shorter hold after a longer one does not shorten them', async () => {
    const tenantId = randomUUID();
    await redis.set(RedisKeys.credits(tenantId), '10000');
    const limits: ResolvedLimits = { windows: [], concurrency: [{ level: 'key', subject: 'key:k1', limit: 5 }], quota: null, budgets: [] };
    const request = (holdTtlMs: number): AdmissionRequest => ({
      tenantId,
      requestId: randomUUID(),
      limits,
      reservedTokens: 1,
      creditReservationMicros: 100,
      budgetReservationMicros: 0,
      holdTtlMs,
    });
    const holdKeys = [RedisKeys.concurrency(tenantId, 'key:k1'), RedisKeys.creditHolds(tenantId), RedisKeys.creditHoldAmounts(tenantId), RedisKeys.creditHeld(tenantId)];

    admitted(await admission.admit(request(60_000)));
    for (const key of holdKeys) expect(await redis.pttl(key)).toBeGreaterThan(30_000);
    admitted(await admission.admit(request(1_000)));
    for (const key of holdKeys) expect(await redis.pttl(key)).toBeGreaterThan(30_000);
    admitted(await admission.admit(request(600_000)));
    for (const key of holdKeys) expect(await redis.pttl(key)).toBeGreaterThan(300_000);
  });
});
