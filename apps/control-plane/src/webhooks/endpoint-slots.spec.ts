import { EndpointSlots } from './endpoint-slots';

describe('EndpointSlots', () => {
  it('caps each endpoint separately', () => {
    const slots = new EndpointSlots(2);
    expect([slots.tryAcquire('slow'), slots.tryAcquire('slow'), slots.tryAcquire('slow')]).toEqual([true, true, false]);
    expect(slots.tryAcquire('fast')).toBe(true);
    slots.release('slow', 5_000);
    expect(slots.tryAcquire('slow')).toBe(true);
  });

  it('makes a full endpoint wait about as long as it takes to answer, within bounds', () => {
    const slots = new EndpointSlots(1);
    slots.tryAcquire('slow');
    slots.release('slow', 2_000);
    expect(slots.waitMs('slow')).toBeGreaterThanOrEqual(2_000);
    expect(slots.waitMs('slow')).toBeLessThanOrEqual(6_000);
    expect(slots.waitMs('unknown')).toBeGreaterThanOrEqual(100);
  });
});
