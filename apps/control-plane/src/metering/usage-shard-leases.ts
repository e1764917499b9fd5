import { MAX_USAGE_STREAM_SHARDS, RedisKeys, usageShardKeyList, type UsageShardKeys } from '@sluice/contracts';
import type Redis from 'ioredis';

/** A shard this consumer holds the lease of. */
export interface HeldShard {
  readonly keys: UsageShardKeys;
  /** Epoch ms until which the lease is ours for sure (it was renewed before this, for `leaseMs`). */
  validUntil: number;
  /** Over this consumer's fair share: read no more from it; give it up once its batches are done. */
  releasing: boolean;
  /**
   * The single stream of one shard (`RedisKeys.usageStream()`): no lease, every replica reads it through the
   * consumer group, as before shards existed; entries a dead replica left are claimed once idle `claimIdleMs`.
   */
  shared: boolean;
}

export interface UsageShardLeasesOptions {
  /** Acquires, renews and releases; never blocked by a read. */
  redis: Redis;
  consumerName: string;
  /** This process's USAGE_STREAM_SHARDS. */
  shards: number;
  /** How long a lease (and this consumer's membership) lasts without renewal: a dead consumer's shards are free after it. */
  leaseMs: number;
}

/** Renews a lease only while it is still ours. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Gives a lease up only while it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Which usage stream shards this control plane consumes (docs/scaling.md,
 * Usage stream shards). Each shard has a lease in Redis (`SET NX PX`, same
 * slot as its stream), held by exactly one consumer at a time and renewed by
 * its holder every `leaseMs / 4`. Live consumers register in a ZSET with the
 * same expiry, so each knows how many share the shards: it takes free
 * shards up to its fair share (`ceil(shards / consumers)`), and gives up
 * what it holds beyond that, so a new replica gets work. A dead consumer's
 * leases and membership expire after `leaseMs`, and the others take its
 * shards at their next refresh.
 *
 * The shards are those of this process's count and of every count a gateway
 * or control plane has announced (`usageShardCounts`), so that events left in
 * the streams of a previous count are still consumed. The single stream of a
 * count of 1 has no lease: every replica shares it, as it always did.
 */
export class UsageShardLeases {
  private readonly held = new Map<string, HeldShard>();
  /** Where this consumer starts looking for free shards: spread, so that consumers do not all race for shard 0. */
  private readonly offset: number;

  constructor(private readonly options: UsageShardLeasesOptions) {
    let hash = 0;
    for (const char of options.consumerName) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    this.offset = hash;
  }

  /** The shards held now, in a stable order. */
  get shards(): HeldShard[] {
    return [...this.held.values()];
  }

  /**
   * Renews what is held, drops what was lost, takes free shards up to the fair
   * share (unless `take` is false: a consumer stopping) and marks the surplus
   * `releasing`. Resolves to the newly taken shards.
   */
  async refresh({ take = true }: { take?: boolean } = {}, now = Date.now()): Promise<HeldShard[]> {
    const { redis, consumerName, leaseMs } = this.options;
    const validUntil = now + leaseMs;
    const [consumers, all] = await Promise.all([this.liveConsumers(now), this.shardsToConsume()]);
    await Promise.all(
      this.leasedShards().map(async (shard) => {
        const renewed = Number(await redis.eval(RENEW, 1, shard.keys.lease, consumerName, leaseMs));
        if (renewed === 1) shard.validUntil = validUntil;
        else this.held.delete(shard.keys.stream);
      }),
    );
    const taken: HeldShard[] = [];
    const single = RedisKeys.usageStream();
    const leased = all.filter((keys) => keys.stream !== single);
    if (take && leased.length < all.length && !this.held.has(single)) {
      const shard: HeldShard = { keys: all.find((keys) => keys.stream === single) as UsageShardKeys, validUntil: Infinity, releasing: false, shared: true };
      this.held.set(single, shard);
      taken.push(shard);
    }
    const share = Math.ceil(leased.length / Math.max(consumers, 1));
    const holding = () => this.leasedShards().length;
    for (let i = 0; take && i < leased.length && holding() < share; i++) {
      const keys = leased[(this.offset + i) % leased.length];
      if (this.held.has(keys.stream)) continue;
      if ((await redis.set(keys.lease, consumerName, 'PX', leaseMs, 'NX')) !== 'OK') continue;
      const shard: HeldShard = { keys, validUntil, releasing: false, shared: false };
      this.held.set(keys.stream, shard);
      taken.push(shard);
    }
    let surplus = holding() - share;
    for (const shard of this.leasedShards()) shard.releasing = surplus-- > 0;
    return taken;
  }

  /** Gives one shard up (its batches are done): another consumer may take it at once. */
  async release(shard: HeldShard): Promise<void> {
    this.held.delete(shard.keys.stream);
    if (shard.shared) return;
    await this.options.redis.eval(RELEASE, 1, shard.keys.lease, this.options.consumerName);
  }

  /** At shutdown: every lease and the membership, so the other replicas take over without waiting for the expiry. */
  async releaseAll(): Promise<void> {
    await Promise.all(this.shards.map((shard) => this.release(shard)));
    await this.options.redis.zrem(RedisKeys.usageConsumers(), this.options.consumerName);
  }

  private leasedShards(): HeldShard[] {
    return [...this.held.values()].filter((shard) => !shard.shared);
  }

  /** Registers this consumer until `now + leaseMs`, forgets expired ones, and counts the live ones. */
  private async liveConsumers(now: number): Promise<number> {
    const key = RedisKeys.usageConsumers();
    const [, , count] = (await this.options.redis
      .multi()
      .zadd(key, now + this.options.leaseMs, this.options.consumerName)
      .zremrangebyscore(key, '-inf', now)
      .zcard(key)
      .exec()) as Array<[Error | null, unknown]>;
    if (count[0]) throw count[0];
    return Number(count[1]);
  }

  private async shardsToConsume(): Promise<UsageShardKeys[]> {
    const announced = await this.options.redis.smembers(RedisKeys.usageShardCounts());
    return usageShardsOf([this.options.shards, ...announced.map(Number)]);
  }
}

/** Every shard of these counts, once each (a shard's key does not depend on the count, except the single stream of count 1). */
export function usageShardsOf(counts: number[]): UsageShardKeys[] {
  const shards = new Map<string, UsageShardKeys>();
  const valid = [...new Set(counts)].filter((count) => Number.isInteger(count) && count >= 1 && count <= MAX_USAGE_STREAM_SHARDS).sort((a, b) => a - b);
  for (const count of valid) for (const keys of usageShardKeyList(count)) if (!shards.has(keys.stream)) shards.set(keys.stream, keys);
  return [...shards.values()];
}
