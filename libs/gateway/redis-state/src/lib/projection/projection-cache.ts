import { LRUCache } from 'lru-cache';

/**
 * The reader's in-process LRU: at most `maxEntries` entries, each fetched again
 * after `ttlMs`. Bounded through `maxSize` (every entry weighs 1), not `max`:
 * lru-cache preallocates its arrays for `max` entries when it is built, 4.3 MiB
 * of a worker's heap for the default 100,000 whether one key is in use or all
 * of them (docs/decisions.md, issue 22); with `maxSize` they grow with use.
 */
export function projectionCache<V extends object>(maxEntries: number, ttlMs: number): LRUCache<string, V> {
  return new LRUCache<string, V>({ maxSize: maxEntries, sizeCalculation: () => 1, ttl: ttlMs });
}
