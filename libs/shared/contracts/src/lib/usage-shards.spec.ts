import { randomUUID } from 'node:crypto';
import { RedisKeys } from './redis-names';
import { MAX_USAGE_STREAM_SHARDS, redisClusterSlot, usageShardHashTag, usageShardKeyList, usageShardKeys, usageShardOf, usageStreamOf } from './usage-shards';

describe('usage stream shards', () => {
  it('keeps the one stream of before when there is one shard', () => {
    expect(usageShardOf('any-tenant', 1)).toBe(0);
    expect(usageShardKeys(0, 1).stream).toBe(RedisKeys.usageStream());
    expect(usageStreamOf(randomUUID(), 1)).toBe('usage:v1');
  });

  it('puts a tenant in the same shard in every process and release (the hash is pinned)', () => {
    // FNV-1a of the UTF-8 bytes: changing the function would move tenants between shards of a running deployment.
    expect(usageShardOf('00000000-0000-4000-8000-000000000001', 16)).toBe(usageShardOf('00000000-0000-4000-8000-000000000001', 16));
    expect([usageShardOf('a', 16), usageShardOf('tenant-1', 16), usageShardOf('0b6a8f3e-4f7a-4c1e-9d3a-2b1c0e9f8a7d', 16)]).toEqual([0xe40c292c % 16, fnv('tenant-1') % 16, fnv('0b6a8f3e-4f7a-4c1e-9d3a-2b1c0e9f8a7d') % 16]);
  });

  it('spreads tenants evenly over the shards', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[usageShardOf(randomUUID(), 16)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    for (const count of counts) expect(count).toBeLessThan(1_200);
  });

  it('computes Redis Cluster slots as Redis does', () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
    expect(redisClusterSlot('123456789')).toBe(0x31c3);
    expect(redisClusterSlot('foo')).toBe(12_182);
    expect(redisClusterSlot('user:{foo}:x')).toBe(12_182);
    expect(redisClusterSlot('{}foo')).toBe(redisClusterSlot('{}foo'));
  });

  it('gives each shard its own slot, lease and stream together, spread over the masters', () => {
    const keys = usageShardKeyList(16);
    const slots = keys.map(({ stream }) => redisClusterSlot(stream));
    expect(new Set(slots).size).toBe(16);
    for (const { stream, lease } of keys) expect(redisClusterSlot(lease)).toBe(redisClusterSlot(stream));
    // Three masters with contiguous ranges, as `redis-cli --cluster create` assigns them.
    const perMaster = [0, 0, 0];
    for (const slot of slots) perMaster[slot <= 5_460 ? 0 : slot <= 10_922 ? 1 : 2]++;
    expect(perMaster.sort()).toEqual([5, 5, 6]);
  });

  it('keeps a shard key when the count changes, and every shard of the largest count distinct', () => {
    expect(usageShardKeys(3, 16).stream).toBe(usageShardKeys(3, 32).stream);
    const all = usageShardKeyList(MAX_USAGE_STREAM_SHARDS).map(({ stream }) => redisClusterSlot(stream));
    expect(new Set(all).size).toBe(MAX_USAGE_STREAM_SHARDS);
    expect(usageShardHashTag(0)).toMatch(/^0\.\d+$/);
  });

  it('refuses a count or index out of range', () => {
    expect(() => usageShardKeyList(0)).toThrow(/1 to 256/);
    expect(() => usageShardKeyList(MAX_USAGE_STREAM_SHARDS + 1)).toThrow(/1 to 256/);
    expect(() => usageShardKeys(16, 16)).toThrow(RangeError);
  });
});

function fnv(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}
