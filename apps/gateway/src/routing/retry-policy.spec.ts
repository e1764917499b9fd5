import { RetryPolicy } from './retry-policy';

describe('RetryPolicy', () => {
  it('caps each backoff exponentially from the base up to the maximum', () => {
    const policy = new RetryPolicy({ baseBackoffMs: 100, maxBackoffMs: 1000, random: () => 0.9999 });
    expect([1, 2, 3, 4, 5, 6].map((retry) => policy.backoffMs(retry))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('draws the whole wait at random below the cap (full jitter)', () => {
    const values = [0, 0.5];
    const policy = new RetryPolicy({ baseBackoffMs: 100, maxBackoffMs: 1000, random: () => values.shift() ?? 0 });
    expect(policy.backoffMs(3)).toBe(0);
    expect(policy.backoffMs(3)).toBe(200);
  });

  it('sleeps the backoff through the injected sleep, with the signal', async () => {
    const sleeps: [number, AbortSignal | undefined][] = [];
    const policy = new RetryPolicy({
      baseBackoffMs: 40,
      random: () => 0.5,
      sleep: async (ms, signal) => {
        sleeps.push([ms, signal]);
      },
    });
    const signal = new AbortController().signal;
    await policy.beforeRetry(2, signal);
    expect(sleeps).toEqual([[40, signal]]);
  });

  it('stops waiting when the signal aborts', async () => {
    const policy = new RetryPolicy({ baseBackoffMs: 60_000, maxBackoffMs: 60_000, random: () => 0.99 });
    const controller = new AbortController();
    const waiting = policy.beforeRetry(1, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
  });

  it('makes at least one attempt and defaults to four', () => {
    expect(new RetryPolicy({ maxAttempts: 0 }).maxAttempts).toBe(1);
    expect(new RetryPolicy().maxAttempts).toBe(4);
  });
});
