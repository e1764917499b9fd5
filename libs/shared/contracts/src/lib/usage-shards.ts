import { RedisKeys } from './redis-names';

/**
 * Sharded usage streams (docs/scaling.md, Usage stream shards): with
 * `USAGE_STREAM_SHARDS` = N > 1 the gateway appends a tenant's usage events
 * to shard `usageShardOf(tenant, N)`, one stream per shard, and the control
 * plane's replicas share the shards between them. N = 1 is the one stream of
 * before, `RedisKeys.usageStream()`, so a deployment that never sets it keeps
 * its key and its data.
 */

/** The most shards a deployment may have: each one has its own slot window of 64 of Redis Cluster's 16,384 slots. */
export const MAX_USAGE_STREAM_SHARDS = 256;

const CLUSTER_SLOTS = 16_384;
const utf8 = new TextEncoder();
const SLOT_WINDOW = CLUSTER_SLOTS / MAX_USAGE_STREAM_SHARDS;

/** One shard's Redis names; `lease` and `stream` share the shard's hash tag, so one Redis Cluster slot. */
export interface UsageShardKeys {
  readonly index: number;
  readonly stream: string;
  /** Which control-plane consumer holds the shard (`SET NX PX`, renewed), docs/scaling.md. */
  readonly lease: string;
}

/** The shard of a tenant's events: FNV-1a (32 bits) of the tenant id's UTF-8 bytes, modulo the count. Stable across processes and releases. */
export function usageShardOf(tenantId: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(tenantId)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** Shard `index`'s keys in a deployment of `shards` shards; with one shard, today's single stream. */
export function usageShardKeys(index: number, shards: number): UsageShardKeys {
  assertShardCount(shards);
  if (!Number.isInteger(index) || index < 0 || index >= shards) throw new RangeError(`usage shard ${index} is not one of 0..${shards - 1}`);
  if (shards === 1) return { index: 0, stream: RedisKeys.usageStream(), lease: `${RedisKeys.usageStream()}:lease` };
  const stream = `${RedisKeys.usageStream()}:shard:{${usageShardHashTag(index)}}`;
  return { index, stream, lease: `${stream}:lease` };
}

/** Every shard's keys of a deployment of `shards` shards, in shard order. */
export function usageShardKeyList(shards: number): UsageShardKeys[] {
  assertShardCount(shards);
  return Array.from({ length: shards }, (_, index) => usageShardKeys(index, shards));
}

/** The stream a tenant's events go to. */
export function usageStreamOf(tenantId: string, shards: number): string {
  return usageShardKeys(usageShardOf(tenantId, shards), shards).stream;
}

const hashTags = new Map<number, string>();

/**
 * The hash tag of shard `index` (of any count above one): `<index>.<n>` with
 * the smallest `n` whose cluster slot falls in the window of 64 slots starting
 * at the bit-reversal of `index` (8 bits) × 64. So the shards of a count that
 * is a power of two sit evenly spaced over the slot space, whatever the count,
 * and a cluster whose masters own contiguous slot ranges (what `redis-cli
 * --cluster create` makes) gets as many shards on each master as possible;
 * and a shard keeps its key when the count changes.
 */
export function usageShardHashTag(index: number): string {
  let tag = hashTags.get(index);
  if (tag !== undefined) return tag;
  const start = reverseBits8(index) * SLOT_WINDOW;
  for (let n = 0; ; n++) {
    const candidate = `${index}.${n}`;
    const slot = redisClusterSlot(candidate);
    if (slot >= start && slot < start + SLOT_WINDOW) {
      tag = candidate;
      break;
    }
  }
  hashTags.set(index, tag);
  return tag;
}

/** Redis Cluster's slot of a key (its hash tag's, when it has one): CRC16-XMODEM modulo 16,384. */
export function redisClusterSlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of utf8.encode(key)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % CLUSTER_SLOTS;
}

function reverseBits8(value: number): number {
  let reversed = 0;
  for (let bit = 0; bit < 8; bit++) reversed |= ((value >> bit) & 1) << (7 - bit);
  return reversed;
}

function assertShardCount(shards: number): void {
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_USAGE_STREAM_SHARDS) {
    throw new RangeError(`the usage stream shard count must be a whole number from 1 to ${MAX_USAGE_STREAM_SHARDS}, not ${shards}`);
  }
}
