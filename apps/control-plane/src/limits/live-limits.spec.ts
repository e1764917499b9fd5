import { applicableLimits, tightest, windowState } from './live-limits';

describe('applicableLimits', () => {
  it('gives a tenant without rpm the default, clamps lower levels by the levels above, and skips unset values', () => {
    const { windows, concurrency } = applicableLimits(
      [
        { level: 'tenant', subject: 'tenant', limits: { tph: 40_000, max_concurrency: 5, rpd: null } },
        { level: 'team', subject: 'team:t1', limits: { rpm: 500, tph: 90_000 } },
        { level: 'key', subject: 'key:k1', limits: { tph: 20_000, max_concurrency: 9, tpd: -1 } },
      ],
      60,
    );
    expect(windows.map(({ subject, window, limit }) => [subject, window, limit])).toEqual([
      ['tenant', 'rpm', 60],
      ['team:t1', 'rpm', 60],
      ['tenant', 'tph', 40_000],
      ['team:t1', 'tph', 40_000],
      ['key:k1', 'tph', 20_000],
    ]);
    expect(concurrency).toEqual([
      { level: 'tenant', subject: 'tenant', limit: 5 },
      { level: 'key', subject: 'key:k1', limit: 5 },
    ]);
  });
});

describe('windowState', () => {
  it('counts the current window and treats a stale one as empty, resetting at the window end', () => {
    const now = 3_600 * 100 + 30;
    expect(windowState({ w: '6000', n: '7' }, now, 60, 10)).toEqual({ used: 7, remaining: 3, reset: 360_060 });
    expect(windowState({ w: '5999', n: '7' }, now, 60, 10)).toEqual({ used: 0, remaining: 10, reset: 360_060 });
    expect(windowState({ w: null, n: null }, now, 3_600, 10)).toEqual({ used: 0, remaining: 10, reset: 363_600 });
    expect(windowState({ w: '6000', n: '15' }, now, 60, 10).remaining).toBe(0);
  });
});

describe('tightest', () => {
  it('picks the fewest remaining, ties to the smaller limit', () => {
    expect(tightest([{ limit: 100, remaining: 5 }, { limit: 10, remaining: 5 }, { limit: 50, remaining: 7 }])).toEqual({ limit: 10, remaining: 5 });
    expect(tightest([])).toBeNull();
  });
});
