import { EndpointSlots } from './endpoint-slots';

describe('EndpointSlots', () => {
  it('caps each endpoint separately', () => {
    const slots = new EndpointSlots(2);
    expect([slots.tryAcquire('slow'), slots.tryAcquire('slow'), slots.tryAcquire('slow')]).toEqual([true, true, false]);
    expect(slots.tryAcquire('fast')).toBe(true);
    slots.release('slow', 5_000);
    expect(slots.tryAcquire('slow')).toBe(true);
  });

  it('spreads the waiting deliveries of a full endpoint over the time its pace needs, one turn each', () => {
    const slots = new EndpointSlots(4);
    slots.tryAcquire('slow');
    slots.release('slow', 2_000);
    const now = 1_000_000;
    const waits = Array.from({ length: 8 }, () => slots.waitMs('slow', now));
    // 2 s per answer, 4 at once: a turn every 500 ms.
    expect(waits).toEqual([500, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000]);
    expect(slots.waitMs('other', now)).toBe(50);
  });
});
