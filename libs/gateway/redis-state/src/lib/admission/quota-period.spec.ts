import type { ApiKeyRecordV1, TenantRecordV1 } from '@sluice/contracts';
import { quotaPeriodAt } from './quota-period';
import { resolveLimits } from './resolve-limits';

describe('quotaPeriodAt', () => {
  const start = '2026-11-01T00:00:00.000Z';
  const end = '2026-12-01T00:00:00.000Z';
  const length = Date.parse(end) - Date.parse(start);

  it("is the record's period while it lasts, its start verbatim", () => {
    expect(quotaPeriodAt(start, end, new Date('2026-11-30T23:59:59.999Z'))).toEqual({ start, endMs: Date.parse(end) });
  });

  it('rolls forward by whole periods of the same length once the record has ended, as the control plane would', () => {
    expect(quotaPeriodAt(start, end, new Date(end))).toEqual({ start: end, endMs: Date.parse(end) + length });
    const third = new Date(Date.parse(start) + 2 * length + 5_000);
    expect(quotaPeriodAt(start, end, third)).toEqual({ start: new Date(Date.parse(start) + 2 * length).toISOString(), endMs: Date.parse(start) + 3 * length });
  });

  it('keeps millisecond starts (a reset at any moment) on the same grid', () => {
    const reset = '2026-11-05T10:11:12.345Z';
    const dayLater = '2026-11-06T10:11:12.345Z';
    expect(quotaPeriodAt(reset, dayLater, new Date('2026-11-06T10:11:12.346Z'))?.start).toBe(dayLater);
  });

  it("keeps the record's period when its start is unreadable, and gives none without an end", () => {
    expect(quotaPeriodAt('garbage', end, new Date('2027-01-01T00:00:00.000Z'))).toEqual({ start: 'garbage', endMs: Date.parse(end) });
    expect(quotaPeriodAt(start, 'garbage', new Date(start))).toBeNull();
  });
});

describe('resolveLimits: the period quota after the record has ended', () => {
  it("counts in the period that follows the record's, until the control plane rewrites the record", () => {
    const tenant = {
      id: 'tenant-1',
      limits: { api_calls_per_period: 3 },
      period_start: '2026-11-01T00:00:00.000Z',
      period_end: '2026-11-02T00:00:00.000Z',
    } as unknown as TenantRecordV1;
    const apiKey = { id: 'key-1', team: null, limits: {} } as unknown as ApiKeyRecordV1;
    expect(resolveLimits(tenant, apiKey, 60, new Date('2026-11-02T00:00:01.000Z')).quota).toEqual({
      periodStart: '2026-11-02T00:00:00.000Z',
      periodEndEpochSeconds: Date.parse('2026-11-03T00:00:00.000Z') / 1000,
      apiCalls: 3,
      aiTokens: null,
    });
  });
});
