import { randomUUID } from 'node:crypto';
import { generateApiKey, hashApiKey } from '@sluice/auth';
import { RedisChannels, RedisKeys, type ApiKeyRecordV1 } from '@sluice/contracts';
import type { ProjectionReader } from '@sluice/gateway/redis-state';
import { createRedisClient, parseRedisClusterNodes } from '@sluice/platform';
import { writeProjectionRecord } from '@sluice/projection';
import { apiKeyRecord, LocalRedisCluster, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import type Redis from 'ioredis';
import { createProjectionReader } from '../src/projection/projection.module';

const PROPAGATION_DEADLINE_MS = 1_000;

/**
 * Issue 23: the gateway's invalidation subscriber is on one node of a Redis
 * Cluster; when that node dies it subscribes again on another, and whatever
 * was published in between must not stay cached.
 */
describe('The projection reader when its Redis Cluster subscriber node dies', () => {
  const prefix = uniqueKeyPrefix();
  const channel = RedisChannels.invalidation(prefix);
  let cluster: LocalRedisCluster;
  let redis: Redis;
  let reader: ProjectionReader;

  beforeAll(async () => {
    // No replicas: the surviving masters must keep serving their slots while one is down.
    cluster = await LocalRedisCluster.start({ requireFullCoverage: false });
    redis = createRedisClient({ url: 'redis://127.0.0.1:1/0', clusterNodes: parseRedisClusterNodes(cluster.nodes), keyPrefix: prefix, connectionName: 'gateway' });
    reader = createProjectionReader(redis);
    await waitUntil(() => reader.ready, 5_000, 'the reader to subscribe');
  }, 30_000);

  afterAll(async () => {
    await reader?.close();
    // A node is down: QUIT would wait for it.
    if (redis) redis.disconnect();
    await cluster?.stop();
  });

  async function subscribedNodes(): Promise<number[]> {
    const counts = await cluster.subscribersPerNode(channel);
    return counts.flatMap((count, index) => (count > 0 ? [index] : []));
  }

  /** An active key whose record lives on a master other than `avoid`, cached by the reader. */
  async function cachedKeyAwayFrom(avoid: number): Promise<{ hash: string; record: ApiKeyRecordV1 }> {
    for (;;) {
      const hash = hashApiKey(generateApiKey('live').secret);
      const record = apiKeyRecord(randomUUID());
      await writeProjectionRecord(redis, prefix, { kind: 'api_key', id: hash }, record);
      const holder = (await cluster.keysPerNode(`${prefix}${RedisKeys.apiKey(hash)}`)).findIndex((keys) => keys.length > 0);
      if (holder === avoid) continue;
      expect((await reader.getApiKey(hash))?.status).toBe('active');
      return { hash, record };
    }
  }

  it('drops its cache once subscribed on another node, so a revocation it could not hear is in force within 1 s', async () => {
    const [subscriberNode] = await subscribedNodes();
    expect(subscriberNode).toBeDefined();
    const { hash, record } = await cachedKeyAwayFrom(subscriberNode);

    await cluster.killNode(subscriberNode);
    // Revoked with no message: exactly what a reader subscribed nowhere misses.
    await redis.set(RedisKeys.apiKey(hash), JSON.stringify({ ...record, status: 'revoked' }));
    await waitUntil(async () => (await subscribedNodes()).length > 0, 10_000, 'the subscriber to be back on another node');

    await waitUntil(async () => (await reader.getApiKey(hash))?.status === 'revoked', PROPAGATION_DEADLINE_MS, 'the revocation to be in force');
    await waitUntil(() => reader.ready, PROPAGATION_DEADLINE_MS, 'the reader to report ready again');

    // Subscribed again: a message now reaches it through the new node.
    await writeProjectionRecord(redis, prefix, { kind: 'api_key', id: hash }, record);
    await waitUntil(async () => (await reader.getApiKey(hash))?.status === 'active', PROPAGATION_DEADLINE_MS, 'the next invalidation');
  }, 30_000);
});
