import { dailySeries, dayBefore, topGroups } from './usage';

describe('usage series', () => {
  it('has one point per UTC day of the period, zero on quiet days', () => {
    const rows = [
      { day: '2026-12-01', requests: 3, total_tokens: 30, cost_usd: 0.3 },
      { day: '2026-12-03', requests: 1, total_tokens: 10, cost_usd: 0.1 },
    ];
    expect(dailySeries(rows, '2026-11-30', '2026-12-03', 'requests')).toEqual({ days: ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03'], values: [0, 3, 0, 1] });
    expect(dailySeries(rows, '2026-12-01', '2026-12-01', 'cost_usd').values).toEqual([0.3]);
  });

  it('counts days back in UTC', () => {
    expect(dayBefore(new Date('2026-03-01T23:30:00Z'), 1)).toBe('2026-02-28');
    expect(dayBefore(new Date('2026-12-06T00:00:00Z'), 0)).toBe('2026-12-06');
  });

  it('ranks groups, sums the rest into one row, and scales bars to the largest', () => {
    const rows = ['a', 'b', 'c', 'd'].map((model, index) => ({ model, requests: index + 1, total_tokens: 0, cost_usd: 0 }));
    expect(topGroups(rows, 'model', 'requests', 2)).toEqual([
      { label: 'd', value: 4, share: 1 },
      { label: 'c', value: 3, share: 0.75 },
      { label: '2 others', value: 3, share: 0.75 },
    ]);
    expect(topGroups([], 'model', 'requests')).toEqual([]);
  });
});
