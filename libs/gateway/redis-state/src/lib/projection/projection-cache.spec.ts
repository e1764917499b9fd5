import { LRUCache } from 'lru-cache';
import { projectionCache } from './projection-cache';

describe('projectionCache', () => {
  it('holds nothing preallocated for its capacity when built', () => {
    const cache = projectionCache<{ n: number }>(100_000, 60_000);
    const internals = LRUCache.unsafeExposeInternals(cache);

    // With `max: 100_000` lru-cache sizes each of these for 100,000 entries up front.
    expect([internals.keyList.length, internals.valList.length, internals.next.length, internals.prev.length, internals.free.length]).toEqual([0, 0, 0, 0, 0]);
    expect(internals.ttls?.length).toBe(0);
  });

  it('keeps at most maxEntries entries, evicting the least recently used', () => {
    const cache = projectionCache<{ n: number }>(3, 60_000);
    for (const n of [1, 2, 3]) cache.set(`k${n}`, { n });
    cache.get('k1');
    cache.set('k4', { n: 4 });

    expect(cache.size).toBe(3);
    expect([...cache.keys()].sort()).toEqual(['k1', 'k3', 'k4']);
    for (let n = 5; n < 1_000; n++) cache.set(`k${n}`, { n });
    expect(cache.size).toBe(3);
  });

});
