import { RedisKeys, USAGE_CONSUMER_GROUP } from '@sluice/contracts';
import type Redis from 'ioredis';
import { usageShardsOf } from './usage-shard-leases';

/** The usage stream summed over its shards: entries kept, delivered and not acknowledged (pending), not yet delivered (lag). */
export interface UsageStreamStatus {
  length: number;
  /** Null while no shard has the consumer group yet. */
  pending: number | null;
  /** Null while no shard has the consumer group, or when Redis cannot tell a shard's lag (entries deleted mid-stream). */
  lag: number | null;
}

/**
 * Length, pending and lag of every usage stream shard the consumers drain
 * (this process's count and every announced one, docs/scaling.md), summed.
 * One command per shard and question: on a cluster the shards live on
 * different nodes, so there is no single pipeline for them.
 */
export async function usageStreamStatus(redis: Redis, streamShards: number): Promise<UsageStreamStatus> {
  const announced = await redis.smembers(RedisKeys.usageShardCounts()).catch(() => [] as string[]);
  const shards = usageShardsOf([streamShards, ...announced.map(Number)]);
  const perShard = await Promise.all(shards.map(({ stream }) => shardStatus(redis, stream)));
  let length = 0;
  let pending: number | null = null;
  let lag: number | null = null;
  let lagUnknown = false;
  let unreadWithoutGroup = 0;
  for (const shard of perShard) {
    length += shard.length;
    if (!shard.group) {
      unreadWithoutGroup += shard.length;
      continue;
    }
    pending = (pending ?? 0) + shard.group.pending;
    if (shard.group.lag === null) lagUnknown = true;
    else lag = (lag ?? 0) + shard.group.lag;
  }
  if (lagUnknown || pending === null) return { length, pending, lag: null };
  return { length, pending, lag: (lag ?? 0) + unreadWithoutGroup };
}

async function shardStatus(redis: Redis, stream: string): Promise<{ length: number; group: { pending: number; lag: number | null } | null }> {
  const length = await redis.xlen(stream).catch(() => 0);
  if (length === 0 && !(await redis.exists(stream).catch(() => 0))) return { length, group: null };
  // ioredis does not prefix XINFO's key: name it in full.
  const groups = (await redis.xinfo('GROUPS', `${redis.options.keyPrefix ?? ''}${stream}`).catch(() => [])) as Array<Array<string | number | null>>;
  for (const flat of groups) {
    const info = new Map<string, string | number | null>();
    for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
    if (info.get('name') !== USAGE_CONSUMER_GROUP) continue;
    const lag = info.get('lag');
    return { length, group: { pending: Number(info.get('pending') ?? 0), lag: typeof lag === 'number' ? lag : null } };
  }
  return { length, group: null };
}
