import { loadControlPlaneConfig } from './control-plane.config';

describe('usage partitions settings', () => {
  it('keeps every month by default, three months ahead, hourly', () => {
    expect(loadControlPlaneConfig({}).usagePartitions).toEqual({ retentionMonths: null, aheadMonths: 3, intervalMs: 3_600_000 });
  });

  it('reads a retention, the months ahead and the interval', () => {
    expect(loadControlPlaneConfig({ USAGE_EVENTS_RETENTION_MONTHS: '13', USAGE_PARTITIONS_AHEAD_MONTHS: '6', USAGE_PARTITIONS_INTERVAL_MS: '60000' }).usagePartitions).toEqual({
      retentionMonths: 13,
      aheadMonths: 6,
      intervalMs: 60_000,
    });
  });

  it.each([
    // One month would detach the previous month while its statements may still be closing.
    ['USAGE_EVENTS_RETENTION_MONTHS', '1', /USAGE_EVENTS_RETENTION_MONTHS must be a whole number of months from 2/],
    ['USAGE_EVENTS_RETENTION_MONTHS', '0', /USAGE_EVENTS_RETENTION_MONTHS must be/],
    ['USAGE_EVENTS_RETENTION_MONTHS', 'forever', /USAGE_EVENTS_RETENTION_MONTHS must be/],
    ['USAGE_PARTITIONS_AHEAD_MONTHS', '0', /USAGE_PARTITIONS_AHEAD_MONTHS must be/],
    ['USAGE_PARTITIONS_INTERVAL_MS', '10', /USAGE_PARTITIONS_INTERVAL_MS must be/],
  ])('refuses %s=%s with one line naming it', (variable, value, message) => {
    expect(() => loadControlPlaneConfig({ [variable]: value })).toThrow(message);
  });
});
