import { CircuitBreakerRegistry } from './circuit-breaker';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreakerRegistry', () => {
  const id = 'model/0';

  it('stays closed below the threshold and counts only consecutive failures', () => {
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 3, cooldownMs: 1000, now: fakeClock().now });
    breakers.recordFailure(id);
    breakers.recordFailure(id);
    breakers.recordSuccess(id);
    breakers.recordFailure(id);
    breakers.recordFailure(id);
    expect(breakers.state(id)).toBe('closed');
    expect(breakers.isAvailable(id)).toBe(true);
    expect(breakers.tryAcquire(id)).toBe(true);
  });

  it('opens after N consecutive failures and keeps the deployment out for the cooldown', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 3, cooldownMs: 1000, now: clock.now });
    for (let i = 0; i < 3; i++) breakers.recordFailure(id);
    expect(breakers.state(id)).toBe('open');
    expect(breakers.isAvailable(id)).toBe(false);
    expect(breakers.tryAcquire(id)).toBe(false);
    clock.advance(999);
    expect(breakers.isAvailable(id)).toBe(false);
    expect(breakers.isAvailable('other/0')).toBe(true);
  });

  it('lets a single probe through once the cooldown has passed, and closes when it succeeds', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 2, cooldownMs: 1000, now: clock.now });
    breakers.recordFailure(id);
    breakers.recordFailure(id);
    clock.advance(1000);
    expect(breakers.state(id)).toBe('half_open');
    expect(breakers.isAvailable(id)).toBe(true);
    expect(breakers.tryAcquire(id)).toBe(true);
    expect(breakers.isAvailable(id)).toBe(false);
    expect(breakers.tryAcquire(id)).toBe(false);
    breakers.recordSuccess(id);
    expect(breakers.state(id)).toBe('closed');
    expect(breakers.tryAcquire(id)).toBe(true);
    // Closed again means the count starts over.
    breakers.recordFailure(id);
    expect(breakers.state(id)).toBe('closed');
  });

  it('reopens for a whole new cooldown when the probe fails', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 1, cooldownMs: 1000, now: clock.now });
    breakers.recordFailure(id);
    clock.advance(1500);
    expect(breakers.tryAcquire(id)).toBe(true);
    breakers.recordFailure(id);
    expect(breakers.state(id)).toBe('open');
    clock.advance(999);
    expect(breakers.tryAcquire(id)).toBe(false);
    clock.advance(1);
    expect(breakers.tryAcquire(id)).toBe(true);
  });

  it('ignores late failures of calls started before it opened', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 1, cooldownMs: 1000, now: clock.now });
    breakers.recordFailure(id);
    clock.advance(600);
    breakers.recordFailure(id);
    clock.advance(400);
    expect(breakers.state(id)).toBe('half_open');
  });

  it('frees a released probe for the next request', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 1, cooldownMs: 1000, now: clock.now });
    breakers.recordFailure(id);
    clock.advance(1000);
    expect(breakers.tryAcquire(id)).toBe(true);
    breakers.release(id);
    expect(breakers.state(id)).toBe('half_open');
    expect(breakers.tryAcquire(id)).toBe(true);
  });

  it('defaults to 5 failures and a 30 s cooldown', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakerRegistry({ now: clock.now });
    for (let i = 0; i < 4; i++) breakers.recordFailure(id);
    expect(breakers.state(id)).toBe('closed');
    breakers.recordFailure(id);
    expect(breakers.state(id)).toBe('open');
    clock.advance(29_999);
    expect(breakers.state(id)).toBe('open');
    clock.advance(1);
    expect(breakers.state(id)).toBe('half_open');
  });
});
