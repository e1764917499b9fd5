import type Redis from 'ioredis';
import {
  RedisChannels,
  RedisKeys,
  type ApiKeyRecordV1,
  type CatalogRecordV1,
  type InvalidationMessage,
  type TenantRecordV1,
} from '@sluice/contracts';

/**
 * The writer side of the projection contract, neutral enough for the control
 * plane's projector and for tests: where a record lives, and how a change is
 * announced. Deciding what to write is the control plane's business.
 */
export type ProjectionTarget = { kind: 'api_key'; id: string } | { kind: 'tenant'; id: string } | { kind: 'catalog' };

interface RecordOfKind {
  api_key: ApiKeyRecordV1;
  tenant: TenantRecordV1;
  catalog: CatalogRecordV1;
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

/** The invalidation message announcing a change of `target`. */
export function invalidationFor(target: ProjectionTarget): InvalidationMessage {
  return target.kind === 'catalog' ? { v: 1, kind: 'catalog' } : { v: 1, kind: target.kind, id: target.id };
}

/**
 * Publishes on the invalidation channel. `channelPrefix` is the deployment's key
 * prefix, passed explicitly because ioredis does not prefix channels.
 * Resolves to the number of subscribers that received it.
 */
export async function publishInvalidation(redis: Redis, channelPrefix: string, message: InvalidationMessage): Promise<number> {
  return redis.publish(RedisChannels.invalidation(channelPrefix), JSON.stringify(message));
}

/**
 * Stores a record (or deletes it, for `null`) and announces the change in one
 * MULTI, so the message can never precede the write it announces.
 */
export async function writeProjectionRecord<K extends ProjectionTarget['kind']>(
  redis: Redis,
  channelPrefix: string,
  target: Extract<ProjectionTarget, { kind: K }>,
  record: RecordOfKind[K] | null,
): Promise<void> {
  const key = projectionKey(target);
  const transaction = redis.multi();
  if (record === null) transaction.del(key);
  else transaction.set(key, JSON.stringify(record));
  transaction.publish(RedisChannels.invalidation(channelPrefix), JSON.stringify(invalidationFor(target)));
  const results = await transaction.exec();
  const failure = results?.find(([error]) => error !== null)?.[0];
  if (!results || failure) throw failure ?? new Error(`Projection write of ${key} was aborted`);
}
