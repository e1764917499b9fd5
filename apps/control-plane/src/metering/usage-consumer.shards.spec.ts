import { RedisKeys, USAGE_CONSUMER_GROUP, usageShardKeyList, usageStreamOf, type UsageEventV1 } from '@sluice/contracts';
import type { UsageEventInput } from '@sluice/control-plane/data-access';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix, usageEvent, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { UsageConsumer, type UsageBatchWriter } from './usage-consumer';

const SHARDS = 16;
const CLAIM_IDLE_MS = 2_000;

/** An in-memory ledger that counts how often each request reached it, and in which order per tenant. */
class CountingWriter implements UsageBatchWriter {
  readonly writes = new Map<string, number>();
  readonly orderByTenant = new Map<string, number[]>();

  async write(events: UsageEventInput[]): Promise<number> {
    let added = 0;
    for (const event of events) {
      const seen = this.writes.get(event.request_id) ?? 0;
      if (seen === 0) {
        added++;
        const order = this.orderByTenant.get(event.tenant_id) ?? [];
        order.push(event.prompt_tokens);
        this.orderByTenant.set(event.tenant_id, order);
      }
      this.writes.set(event.request_id, seen + 1);
    }
    return added;
  }

  refusesData(): boolean {
    return false;
  }
}

function shardEvent(tenantId: string, sequence: number): UsageEventV1 {
  return usageEvent({ tenant_id: tenantId, prompt_tokens: sequence });
}

describe('UsageConsumer over sharded streams', () => {
  const prefix = uniqueKeyPrefix();
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
  const consumers: UsageConsumer[] = [];
  let writer: CountingWriter;

  const consumer = (name: string, shards = SHARDS) => {
    const started = new UsageConsumer({ redis: redis.duplicate(), writer, consumerName: name, batchSize: 50, claimIdleMs: CLAIM_IDLE_MS, streamShards: shards, blockMs: 100, pollMs: 20 });
    started.start();
    consumers.push(started);
    return started;
  };
  /** Appends `perTenant` events of each tenant, in sequence, to the tenant's shard, as the gateway does. */
  const append = async (tenants: string[], perTenant: number, shards = SHARDS) => {
    const pipeline = redis.pipeline();
    for (let sequence = 1; sequence <= perTenant; sequence++) {
      for (const tenant of tenants) pipeline.xadd(usageStreamOf(tenant, shards), '*', 'event', JSON.stringify(shardEvent(tenant, sequence)));
    }
    await pipeline.exec();
    return tenants.length * perTenant;
  };
  const allWrittenOnce = (count: number) => writer.writes.size === count && [...writer.writes.values()].every((times) => times === 1);

  beforeEach(async () => {
    await deleteKeysWithPrefix(prefix);
    writer = new CountingWriter();
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((started) => started.stop()));
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(prefix);
    redis.disconnect();
  });

  it('shares the shards between two consumers, none held twice, and records every event once, in order per tenant', async () => {
    const first = consumer('first');
    const second = consumer('second');
    const tenants = Array.from({ length: 64 }, () => randomUUID());
    const total = await append(tenants, 20);
    await waitUntil(() => allWrittenOnce(total), 20_000, 'every event once');
    await waitUntil(() => first.heldShards.length === SHARDS / 2 && second.heldShards.length === SHARDS / 2, 10_000, 'an even split');
    expect(new Set([...first.heldShards, ...second.heldShards]).size).toBe(SHARDS);
    for (const order of writer.orderByTenant.values()) expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const { stream, lease } of usageShardKeyList(SHARDS)) {
      expect(await redis.get(lease)).toBe(first.heldShards.includes(stream) ? 'first' : 'second');
    }
  });

  it('gives a third consumer its share: every shard held by exactly one, none by more than ceil(16 / 3)', async () => {
    const three = [consumer('one'), consumer('two'), consumer('three')];
    await waitUntil(() => three.every((started) => started.heldShards.length >= 4 && started.heldShards.length <= 6) && three.reduce((sum, started) => sum + started.heldShards.length, 0) === SHARDS, 10_000, 'three shares');
    const held = three.flatMap((started) => started.heldShards);
    expect(new Set(held).size).toBe(SHARDS);
    const total = await append(Array.from({ length: 48 }, () => randomUUID()), 5);
    await waitUntil(() => allWrittenOnce(total), 20_000, 'every event once');
  });

  it('hands a stopped consumer’s shards to the other at once, and a dead one’s (with its pending entries) within the claim idle time', async () => {
    const survivor = consumer('survivor');
    const leaving = consumer('leaving');
    await waitUntil(() => survivor.heldShards.length === SHARDS / 2 && leaving.heldShards.length === SHARDS / 2, 10_000, 'an even split');
    await leaving.stop();
    await waitUntil(() => survivor.heldShards.length === SHARDS, CLAIM_IDLE_MS, 'the stopped consumer’s shards');

    // A consumer that died holding a shard, with a batch read and never acknowledged.
    await survivor.stop();
    consumers.length = 0;
    const tenant = randomUUID();
    const [shard] = usageShardKeyList(SHARDS).filter(({ stream }) => stream === usageStreamOf(tenant, SHARDS));
    await redis.xgroup('CREATE', `${prefix}${shard.stream}`, USAGE_CONSUMER_GROUP, '0', 'MKSTREAM').catch(() => undefined);
    const total = await append([tenant], 5);
    await redis.xreadgroup('GROUP', USAGE_CONSUMER_GROUP, 'dead', 'COUNT', 100, 'STREAMS', shard.stream, '>');
    await redis.set(shard.lease, 'dead', 'PX', CLAIM_IDLE_MS / 2);
    await redis.zadd(RedisKeys.usageConsumers(), Date.now() + CLAIM_IDLE_MS / 2, 'dead');
    const heir = consumer('heir');
    await waitUntil(() => heir.heldShards.includes(shard.stream) && allWrittenOnce(total), CLAIM_IDLE_MS, 'the dead consumer’s shard and its pending entries');
    expect(((await redis.xpending(shard.stream, USAGE_CONSUMER_GROUP)) as [number])[0]).toBe(0);
  });

  it('still drains the single stream of before after the count went from 1 to 16', async () => {
    const tenants = Array.from({ length: 8 }, () => randomUUID());
    // Written by gateways still at one shard (which announce their count), before the control plane moved to 16.
    await redis.sadd(RedisKeys.usageShardCounts(), '1');
    const before = await append(tenants, 3, 1);
    consumer('sixteen');
    const after = await append(tenants, 3);
    await waitUntil(() => allWrittenOnce(before + after), 20_000, 'the events of both counts');
    expect(await redis.xlen(RedisKeys.usageStream())).toBe(before);
  });

  it('drains the shards beyond a smaller count that gateways still announce', async () => {
    await redis.sadd(RedisKeys.usageShardCounts(), String(SHARDS));
    const tenants = Array.from({ length: 32 }, () => randomUUID());
    const total = await append(tenants, 2);
    const four = consumer('four', 4);
    await waitUntil(() => allWrittenOnce(total), 20_000, 'the events of the 16 shards');
    expect(four.heldShards.length).toBe(SHARDS);
  });
});
