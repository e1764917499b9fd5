import { RedisKeys } from '@sluice/contracts';
import type { AdmissionRequest } from './admission.types';
import { admissionCall, settlementCall, ticketFor } from './script-calls';

// cluster-key-slot comes with ioredis (its own Cluster client uses it) but has no type declarations.
const calculateSlot = jest.requireActual<(key: string) => number>('cluster-key-slot');

const tenantId = '550e8400-e29b-41d4-a716-446655440000';

/** A request that touches every kind of key: windows and slots at every level, quota, budgets, credits. */
const everything: AdmissionRequest = {
  tenantId,
  requestId: 'req-1',
  limits: {
    windows: (['rpm', 'rph', 'rpd', 'tpm', 'tpd'] as const).flatMap((window) => [
      { level: 'tenant' as const, subject: 'tenant', window, limit: 100 },
      { level: 'team' as const, subject: 'team:t1', window, limit: 100 },
      { level: 'key' as const, subject: 'key:k1', window, limit: 100 },
    ]),
    concurrency: [
      { level: 'tenant', subject: 'tenant', limit: 5 },
      { level: 'team', subject: 'team:t1', limit: 5 },
      { level: 'key', subject: 'key:k1', limit: 5 },
    ],
    quota: { periodStart: '2026-11-01T00:00:00.000Z', periodEndEpochSeconds: 1_796_083_200, apiCalls: 10, aiTokens: 10 },
    budgets: [
      { level: 'team', subject: 'team:t1', limitMicros: 5_000_000, period: 'month', periodKey: 'month:2026-11', periodEndEpochSeconds: 1_796_083_200 },
      { level: 'key', subject: 'key:k1', limitMicros: 1_000_000, period: 'total', periodKey: 'total', periodEndEpochSeconds: null },
    ],
  },
  reservedTokens: 10,
  creditReservationMicros: 10,
  budgetReservationMicros: 10,
  holdTtlMs: 1_000,
};

describe('script key layout', () => {
  it('uses the Redis Cluster slot function (checked against known slots)', () => {
    expect(calculateSlot('foo')).toBe(12182);
    expect(calculateSlot('{user1000}.following')).toBe(calculateSlot('{user1000}.followers'));
  });

  it.each(['', 'sluice:', 'sluice-test:run:abc:'])('puts every key one request touches in the same cluster slot (prefix %p)', (prefix) => {
    const admit = admissionCall(everything);
    const settle = settlementCall({
      ticket: ticketFor(everything),
      actualTokens: 1,
      actualCostMicros: 1,
      tokenTotals: { model: 'gpt-4', settledAt: new Date('2026-11-25T23:59:59.999Z') },
    });
    const keys = [...admit.keys, ...settle.keys, RedisKeys.tenant(tenantId)].map((key) => prefix + key);
    // 1 record + 15 windows + 3 slot sets + 2 quota counters + 2 × 2 budget keys + 4 credit keys.
    expect(admit.keys).toHaveLength(29);
    expect(new Set(settle.keys).size).toBe(settle.keys.length);
    expect(new Set(keys.map(calculateSlot))).toEqual(new Set([calculateSlot(`{${tenantId}}`)]));
  });

  it('gives settlement the concurrency sets, token windows, token quota, credit and budget keys the admission charged', () => {
    const ticket = ticketFor(everything);
    expect(ticket.concurrencySubjects).toEqual(['tenant', 'team:t1', 'key:k1']);
    expect(ticket.tokenWindows).toHaveLength(6);
    expect(ticket.tokenWindows.every(({ window }) => window === 'tpm' || window === 'tpd')).toBe(true);
    expect(ticket.quotaTokens).toEqual({ periodStart: '2026-11-01T00:00:00.000Z' });
    expect(ticket.holdsCredit).toBe(true);
    expect(ticket.budgets).toEqual([
      { subject: 'team:t1', periodKey: 'month:2026-11', periodEndEpochSeconds: 1_796_083_200 },
      { subject: 'key:k1', periodKey: 'total', periodEndEpochSeconds: null },
    ]);
    const settle = settlementCall({ ticket, actualTokens: 1, actualCostMicros: 1 });
    const admitKeys = new Set(admissionCall(everything).keys);
    expect(settle.keys.every((key) => admitKeys.has(key))).toBe(true);
  });

  it('names the UTC day and month of the settlement for the token totals', () => {
    const ticket = ticketFor(everything);
    const settle = settlementCall({ ticket, actualTokens: 1, actualCostMicros: 1, tokenTotals: { model: 'gpt-4', settledAt: new Date('2026-12-31T23:59:59.999Z') } });
    expect(settle.keys.slice(-2)).toEqual([RedisKeys.tenantDailyTokens(tenantId, '20261231'), RedisKeys.tenantMonthlyTokens(tenantId, '202612')]);
    expect(settle.args.slice(-6)).toEqual(['b', '2', '1796083200', '-1', 't', 'gpt-4']);
    const without = settlementCall({ ticket, actualTokens: 1, actualCostMicros: 1 });
    expect(without.keys).toHaveLength(settle.keys.length - 2);
    expect(without.args).toEqual(settle.args.slice(0, -2));
  });

  it.each([1.5, -1, Number.NaN, Number.MAX_SAFE_INTEGER + 2])('refuses a non-integer or negative count (%p) before calling Redis', (reservedTokens) => {
    expect(() => admissionCall({ ...everything, reservedTokens })).toThrow(RangeError);
  });
});
