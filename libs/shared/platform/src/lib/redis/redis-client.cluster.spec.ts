import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { LocalRedisCluster, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import type { Cluster } from 'ioredis';
import { closeRedisClient, createRedisClient, isRedisCluster, redisMasters } from './redis-client';
import { createSubscriberClient } from './redis-subscriber';
import { parseRedisClusterNodes, redisConnectionSettings } from './redis-cluster-nodes';

describe('REDIS_CLUSTER_NODES', () => {
  it('parses host:port lists, IPv6 in brackets included, and nothing for an unset value', () => {
    expect(parseRedisClusterNodes(' 10.0.0.1:7000, redis-1.internal:7001 ,[::1]:7002')).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-1.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(parseRedisClusterNodes(undefined)).toEqual([]);
    expect(parseRedisClusterNodes('')).toEqual([]);
    expect(() => parseRedisClusterNodes('redis:0')).toThrow('REDIS_CLUSTER_NODES has an invalid entry: redis:0');
  });

  it('wins over REDIS_URL in the settings both apps read', () => {
    const settings = redisConnectionSettings({ REDIS_URL: 'redis://127.0.0.1:6379/0', REDIS_KEY_PREFIX: 'p:', REDIS_CLUSTER_NODES: 'a:1,b:2', REDIS_CLUSTER_PASSWORD: 's3cret', REDIS_CLUSTER_TLS: true });
    expect(settings.clusterAuth).toEqual({ username: undefined, password: 's3cret', tls: true });
    expect(settings.clusterNodes).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
  });

  it('refuses a published or placeholder cluster password in production, naming the variable only', () => {
    const env = { NODE_ENV: 'production', REDIS_URL: 'redis://r:6379/0', REDIS_KEY_PREFIX: 'p:', REDIS_CLUSTER_NODES: 'a:1', REDIS_CLUSTER_PASSWORD: 'change-me' };
    expect(() => redisConnectionSettings(env)).toThrow(/^Invalid configuration: REDIS_CLUSTER_PASSWORD is a value published/);
    expect(redisConnectionSettings({ ...env, NODE_ENV: 'development' }).clusterAuth.password).toBe('change-me');
  });
});

describe('createRedisClient on a real Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let raw: Cluster;
  const keyPrefix = uniqueKeyPrefix();

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start();
    raw = cluster.client();
  }, 30_000);

  afterAll(async () => {
    await raw?.quit();
    await cluster?.stop();
  });

  function client(connectionName = 'cluster-test') {
    // REDIS_URL points nowhere: with cluster nodes it must not be used at all.
    return createRedisClient({ url: 'redis://127.0.0.1:1/0', clusterNodes: parseRedisClusterNodes(cluster.nodes), keyPrefix, connectionName });
  }

  it('is a cluster client with the deployment key prefix, the connection name and every master reachable', async () => {
    const redis = client();
    try {
      expect(isRedisCluster(redis)).toBe(true);
      await redis.set('a', '1');
      await redis.set('b', '2');
      expect(await raw.get(`${keyPrefix}a`)).toBe('1');
      expect(await raw.get(`${keyPrefix}b`)).toBe('2');
      expect(redisMasters(redis)).toHaveLength(3);
      const names = await Promise.all(redisMasters(redis).map((node) => node.client('GETNAME')));
      expect(names.every((name) => name === 'cluster-test')).toBe(true);
    } finally {
      await closeRedisClient(redis);
    }
    await waitUntil(() => redis.status === 'end', 2_000, 'the client to close');
  });

  it('gives a subscriber, one plain connection to a node, that hears a PUBLISH sent through any node', async () => {
    const redis = client();
    const subscriber = createSubscriberClient(redis, { autoResubscribe: false, connectionName: 'cluster-test:invalidations' });
    const heard: string[] = [];
    try {
      // Not the cluster client's own subscriber, which changes node without an event (docs/decisions.md, issue 23).
      expect(isRedisCluster(subscriber)).toBe(false);
      subscriber.on('message', (_channel: string, message: string) => heard.push(message));
      await subscriber.subscribe(`${keyPrefix}invalidate`);
      for (const node of redisMasters(raw as never)) await node.publish(`${keyPrefix}invalidate`, String(node.options.port));
      await waitUntil(() => heard.length === 3, 2_000, 'a message from each master');
      expect(heard.sort()).toEqual(cluster.ports.map(String).sort());
    } finally {
      await closeRedisClient(subscriber);
      await closeRedisClient(redis);
    }
  });

  it("runs the control plane's throttler storage, whose script names both its keys under one hash tag", async () => {
    const redis = client();
    try {
      const storage = new ThrottlerStorageRedisService(redis);
      const first = await storage.increment('203.0.113.9', 60_000, 2, 60_000, 'anonymous');
      const third = await (async () => {
        await storage.increment('203.0.113.9', 60_000, 2, 60_000, 'anonymous');
        return storage.increment('203.0.113.9', 60_000, 2, 60_000, 'anonymous');
      })();
      expect(first.totalHits).toBe(1);
      expect(third.isBlocked).toBe(true);
    } finally {
      await closeRedisClient(redis);
    }
  });

  it('fails a command promptly, and reports not ready, while the cluster cannot be reached', async () => {
    const redis = createRedisClient({ url: 'redis://127.0.0.1:1/0', clusterNodes: [{ host: '127.0.0.1', port: 1 }], keyPrefix, connectionName: 'down' });
    try {
      await expect(redis.get('queued before the first attempt failed')).rejects.toThrow();
      await expect(redis.get('sent while still away')).rejects.toThrow();
      expect(redis.status).not.toBe('ready');
    } finally {
      await closeRedisClient(redis);
    }
  });
});

describe('createRedisClient on a password-protected Redis Cluster', () => {
  const password = `cluster-${Date.now()}-pass`;
  let cluster: LocalRedisCluster;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start({ password });
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  const settingsFor = (env: Record<string, string>) =>
    redisConnectionSettings({ REDIS_URL: 'redis://127.0.0.1:1/0', REDIS_KEY_PREFIX: uniqueKeyPrefix(), REDIS_CLUSTER_NODES: cluster.nodes, ...env });

  it('authenticates to every node with REDIS_CLUSTER_PASSWORD', async () => {
    const redis = createRedisClient({ ...settingsFor({ REDIS_CLUSTER_PASSWORD: password }), connectionName: 'auth-test' });
    try {
      await redis.set('a', '1');
      await redis.set('b', '2');
      expect([await redis.get('a'), await redis.get('b')]).toEqual(['1', '2']);
      const subscriber = createSubscriberClient(redis, { connectionName: 'auth-test:sub' });
      await subscriber.subscribe('channel');
      await closeRedisClient(subscriber);
    } finally {
      await closeRedisClient(redis);
    }
  });

  it('is refused without it', async () => {
    const redis = createRedisClient({ ...settingsFor({}), connectionName: 'no-auth-test' });
    try {
      await expect(redis.get('a')).rejects.toThrow();
    } finally {
      await closeRedisClient(redis);
    }
  });
});
