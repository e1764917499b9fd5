import type { Cluster, default as Redis } from 'ioredis';
import {
  invalidationFor,
  RedisChannels,
  RedisKeys,
  REDIS_CONTRACT_VERSION,
  type ApiKeyRecordV1,
  type CatalogRecordV1,
  type InvalidationMessage,
  type ProjectionTarget,
  type TenantRecordV1,
} from '@sluice/contracts';

const COMPARE_BATCH = 500;

/** One projection record as it should be in Redis: `value` null means the key must not exist. */
export interface ProjectionEntry {
  target: ProjectionTarget;
  /** Redis key without the deployment prefix. */
  key: string;
  value: string | null;
  /** Absolute expiry (epoch ms) for records that lapse by themselves, such as a rotated-out secret. */
  expiresAtMs: number | null;
}

export interface ReconcileResult {
  written: number;
  deleted: number;
}

interface RecordOfKind {
  api_key: ApiKeyRecordV1;
  tenant: TenantRecordV1;
  catalog: CatalogRecordV1;
}

/**
 * The writer side of the Redis projection (README.md, Architecture): stores records
 * and announces each change on the invalidation channel. The control plane's
 * projector writes through it; the gateway's tests and the benches seed
 * Redis with it, so they write exactly what production writes.
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
    // A MULTI may only touch one slot on a Redis Cluster: one per hash tag there, one in all on a single server.
    const groups = this.clustered ? groupBySlotTag(entries, (entry) => this.keyPrefix + entry.key) : [entries];
    await Promise.all(groups.map((group) => this.writeTogether(group)));
  }

  private async writeTogether(entries: ProjectionEntry[]): Promise<void> {
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

  private get clustered(): boolean {
    return (this.redis as { isCluster?: boolean }).isCluster === true;
  }

  /** MGET, split per slot on a cluster (a cross-slot MGET is refused there). */
  private async currentValues(keys: string[]): Promise<Array<string | null>> {
    if (!this.clustered) return this.redis.mget(keys);
    const groups = groupBySlotTag(keys, (key) => this.keyPrefix + key);
    const values = new Map<string, string | null>();
    await Promise.all(
      groups.map(async (group) => {
        const found = await this.redis.mget(group);
        group.forEach((key, i) => values.set(key, found[i]));
      }),
    );
    return keys.map((key) => values.get(key) ?? null);
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
      const current = await this.currentValues(batch.map((entry) => entry.key));
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

  /**
   * Every projection key under this deployment's prefix, without the prefix:
   * SCANs every master of a cluster (a SCAN sees one node's keys only). SCAN's
   * MATCH is not prefixed by ioredis.
   */
  private async projectionKeys(): Promise<string[]> {
    const nodes = this.clustered ? (this.redis as unknown as Cluster).nodes('master') : [this.redis];
    const keys: string[] = [];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `${this.keyPrefix}proj:v${REDIS_CONTRACT_VERSION}:*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch.map((key) => key.slice(this.keyPrefix.length)));
      } while (cursor !== '0');
    }
    return keys;
  }
}

/**
 * Splits items so that each group's keys share a hash tag (the text between
 * the first `{` and the next `}`, or the whole key without one): keys of one
 * group are then in one Redis Cluster slot.
 */
export function groupBySlotTag<T>(items: T[], fullKey: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const tag = hashTag(fullKey(item));
    const group = groups.get(tag);
    if (group) group.push(item);
    else groups.set(tag, [item]);
  }
  return [...groups.values()];
}

function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}

/** The Redis key (without the deployment prefix) holding a target's record. */
export function projectionKey(target: ProjectionTarget): string {
  switch (target.kind) {
    case 'api_key':
      return RedisKeys.apiKey(target.id);
    case 'tenant':
      return RedisKeys.tenant(target.id);
    case 'catalog':
      return RedisKeys.catalog();
  }
}

/** Stores one record (or deletes it, for `null`) and announces the change, as the projector would. */
export async function writeProjectionRecord<K extends ProjectionTarget['kind']>(
  redis: Redis,
  keyPrefix: string,
  target: Extract<ProjectionTarget, { kind: K }>,
  record: RecordOfKind[K] | null,
): Promise<void> {
  await new ProjectionWriter(redis, keyPrefix).write([{ target, key: projectionKey(target), value: record === null ? null : JSON.stringify(record), expiresAtMs: null }]);
}

/**
 * Publishes a message on the invalidation channel without writing anything.
 * Resolves to the number of subscribers that received it.
 */
export async function publishInvalidation(redis: Redis, keyPrefix: string, message: InvalidationMessage): Promise<number> {
  return redis.publish(RedisChannels.invalidation(keyPrefix), JSON.stringify(message));
}

/**
 * The target a projection key stands for (the inverse of `RedisKeys`); null
 * for kinds of record this writer does not own, which the reconcile leaves alone.
 */
function targetOfKey(key: string): ProjectionTarget | null {
  const [, , kind, ...rest] = key.split(':');
  const id = rest.join(':').replace(/^\{(.*)\}$/, '$1');
  if (kind === 'key' && id) return { kind: 'api_key', id };
  if (kind === 'tenant' && id) return { kind: 'tenant', id };
  if (kind === 'catalog' && !id) return { kind: 'catalog' };
  return null;
}
