import { RedisKeys, USAGE_CONSUMER_GROUP, usageShardKeyList } from '@sluice/contracts';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix } from '@sluice/testing';
import Redis from 'ioredis';
import { usageStreamStatus } from './usage-stream-status';

describe('usageStreamStatus', () => {
  const prefix = uniqueKeyPrefix();
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });

  afterAll(async () => {
    await deleteKeysWithPrefix(prefix);
    redis.disconnect();
  });

  it('sums length, pending and lag over every shard of its count and of the announced ones', async () => {
    expect(await usageStreamStatus(redis, 16)).toEqual({ length: 0, pending: null, lag: null });
    const shards = usageShardKeyList(16);
    // Shard i holds i + 1 entries; on each, one is delivered and not acknowledged, the rest wait.
    for (const [index, { stream }] of shards.entries()) {
      await redis.xgroup('CREATE', `${prefix}${stream}`, USAGE_CONSUMER_GROUP, '0', 'MKSTREAM');
      for (let i = 0; i <= index; i++) await redis.xadd(stream, '*', 'event', '{}');
      await redis.xreadgroup('GROUP', USAGE_CONSUMER_GROUP, 'someone', 'COUNT', 1, 'STREAMS', stream, '>');
    }
    const length = (16 * 17) / 2;
    expect(await usageStreamStatus(redis, 16)).toEqual({ length, pending: 16, lag: length - 16 });

    // The single stream of a count of 1, still announced by a gateway: its entries, not yet read by any group, are lag.
    await redis.sadd(RedisKeys.usageShardCounts(), '1');
    await redis.xadd(RedisKeys.usageStream(), '*', 'event', '{}');
    expect(await usageStreamStatus(redis, 16)).toEqual({ length: length + 1, pending: 16, lag: length - 16 + 1 });
  });
});
