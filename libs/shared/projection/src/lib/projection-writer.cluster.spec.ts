import { parseInvalidationMessage, RedisChannels, RedisKeys, type InvalidationMessage } from '@sluice/contracts';
import { LocalRedisCluster, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import { groupBySlotTag, projectionKey, ProjectionWriter, type ProjectionEntry } from './projection-writer';

function entry(target: ProjectionEntry['target'], value: string | null): ProjectionEntry {
  return { target, key: projectionKey(target), value, expiresAtMs: null };
}

describe('groupBySlotTag', () => {
  it('keeps keys of one hash tag together and gives untagged keys a group each', () => {
    const keys = ['p:a:{t1}:x', 'p:b:{t1}:y', 'p:a:{t2}:x', 'p:key:h1', 'p:key:h2', 'p:{}x'];
    expect(groupBySlotTag(keys, (key) => key)).toEqual([['p:a:{t1}:x', 'p:b:{t1}:y'], ['p:a:{t2}:x'], ['p:key:h1'], ['p:key:h2'], ['p:{}x']]);
  });
});

describe('ProjectionWriter on a real Redis Cluster', () => {
  const prefix = uniqueKeyPrefix();
  let cluster: LocalRedisCluster;
  let redis: Cluster;
  let subscriber: Cluster;
  let writer: ProjectionWriter;
  const heard: InvalidationMessage[] = [];

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start();
    redis = cluster.client(prefix);
    subscriber = cluster.client();
    writer = new ProjectionWriter(redis as unknown as Redis, prefix);
    subscriber.on('message', (_channel: string, raw: string) => {
      const message = parseInvalidationMessage(raw);
      if (message) heard.push(message);
    });
    await subscriber.subscribe(RedisChannels.invalidation(prefix));
  }, 30_000);

  afterAll(async () => {
    await subscriber?.quit();
    await redis?.quit();
    await cluster?.stop();
  });

  const ids = Array.from({ length: 12 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

  it('writes records spread over every master in one call and announces each', async () => {
    heard.length = 0;
    await writer.write([...ids.map((id) => entry({ kind: 'tenant', id }, `{"id":"${id}"}`)), ...ids.map((id) => entry({ kind: 'api_key', id }, '{}')), entry({ kind: 'catalog' }, '[]')]);
    for (const id of ids) expect(await redis.get(RedisKeys.tenant(id))).toBe(`{"id":"${id}"}`);
    const perMaster = await Promise.all(redis.nodes('master').map((node) => node.dbsize()));
    expect(perMaster.every((count) => count > 0)).toBe(true);
    await waitUntil(() => heard.length === ids.length * 2 + 1, 2_000, 'every invalidation');
  });

  it('reconciles against keys on every master: rewrites what differs, deletes orphans wherever they are', async () => {
    await redis.set(RedisKeys.tenant(ids[0]), 'stale');
    const desired = ids.slice(0, 6).map((id) => entry({ kind: 'tenant', id }, `{"id":"${id}"}`));
    const result = await writer.reconcile([...desired, entry({ kind: 'catalog' }, '[]')]);
    expect(result).toEqual({ written: 1, deleted: 6 + ids.length });
    for (const id of ids.slice(6)) expect([await redis.exists(RedisKeys.tenant(id)), await redis.exists(RedisKeys.apiKey(id))]).toEqual([0, 0]);
    expect(await redis.get(RedisKeys.tenant(ids[0]))).toBe(`{"id":"${ids[0]}"}`);
    expect(await redis.get(RedisKeys.catalog())).toBe('[]');
  });
});
