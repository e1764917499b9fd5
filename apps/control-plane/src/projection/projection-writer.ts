import type Redis from 'ioredis';
import { RedisChannels, REDIS_CONTRACT_VERSION, type InvalidationMessage } from '@sluice/contracts';
import type { OutboxTarget } from '@sluice/control-plane/data-access';
import type { ProjectionEntry } from './projection-source';

const COMPARE_BATCH = 500;

export interface ReconcileResult {
  written: number;
  deleted: number;
}

/**
 * The control plane's side of the Redis contract (SPEC 5): stores records and
 * announces each change on the invalidation channel. The gateway lib has a
 * writer of the same shape for its tests; the control plane keeps its own so
 * that neither app depends on the other's scope.
 */
export class ProjectionWriter {
  private readonly channel: string;

  /** `redis` carries the deployment's key prefix; channels are not prefixed by ioredis, so the prefix is passed too. */
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {
    this.channel = RedisChannels.invalidation(keyPrefix);
  }

  /**
   * Writes the entries and publishes their invalidations in one MULTI, so a
   * message never precedes the write it announces. Throws when Redis refuses
   * or is unreachable; the caller keeps the work queued.
   */
  async write(entries: ProjectionEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const transaction = this.redis.multi();
    for (const entry of entries) {
      if (entry.value === null) transaction.del(entry.key);
      else if (entry.expiresAtMs !== null) transaction.set(entry.key, entry.value, 'PXAT', entry.expiresAtMs);
      else transaction.set(entry.key, entry.value);
      transaction.publish(this.channel, JSON.stringify(invalidationFor(entry.target)));
    }
    const results = await transaction.exec();
    const failure = results?.find(([error]) => error !== null)?.[0];
    if (!results || failure) throw failure ?? new Error('Projection write was aborted');
  }

  /**
   * Makes Redis hold exactly `desired`: writes records that differ or are
   * missing, deletes projection keys nothing in the database accounts for.
   */
  async reconcile(desired: ProjectionEntry[]): Promise<ReconcileResult> {
    const wanted = new Set(desired.map((entry) => entry.key));
    let written = 0;
    for (let start = 0; start < desired.length; start += COMPARE_BATCH) {
      const batch = desired.slice(start, start + COMPARE_BATCH);
      const current = await this.redis.mget(batch.map((entry) => entry.key));
      const stale = batch.filter((entry, i) => current[i] !== entry.value);
      await this.write(stale);
      written += stale.length;
    }
    const orphans: ProjectionEntry[] = [];
    for (const key of await this.projectionKeys()) {
      const target = wanted.has(key) ? null : targetOfKey(key);
      if (target) orphans.push({ target, key, value: null, expiresAtMs: null });
    }
    await this.write(orphans);
    return { written, deleted: orphans.length };
  }

  /** Every projection key under this deployment's prefix, without the prefix. SCAN's MATCH is not prefixed by ioredis. */
  private async projectionKeys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.keyPrefix}proj:v${REDIS_CONTRACT_VERSION}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch.map((key) => key.slice(this.keyPrefix.length)));
    } while (cursor !== '0');
    return keys;
  }
}

export function invalidationFor(target: OutboxTarget): InvalidationMessage {
  return target.kind === 'catalog' ? { v: 1, kind: 'catalog' } : { v: 1, kind: target.kind, id: target.id };
}

/**
 * The target a projection key stands for (the inverse of `RedisKeys`); null
 * for kinds of record this writer does not own, which the reconcile leaves alone.
 */
function targetOfKey(key: string): OutboxTarget | null {
  const [, , kind, ...rest] = key.split(':');
  const id = rest.join(':').replace(/^\{(.*)\}$/, '$1');
  if (kind === 'key' && id) return { kind: 'api_key', id };
  if (kind === 'tenant' && id) return { kind: 'tenant', id };
  if (kind === 'catalog' && !id) return { kind: 'catalog' };
  return null;
}
