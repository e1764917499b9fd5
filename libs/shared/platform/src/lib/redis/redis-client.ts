import { Logger } from '@nestjs/common';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import { clusterNodeOptions, type RedisClusterAuth, type RedisNodeAddress } from './redis-cluster-nodes';

export interface RedisClientOptions {
  url: string;
  /**
   * Redis Cluster seed nodes (REDIS_CLUSTER_NODES). When there are any, the
   * client is an ioredis `Cluster` and `url` is not used.
   */
  clusterNodes?: readonly RedisNodeAddress[];
  /** Credentials and TLS of the cluster's nodes (REDIS_CLUSTER_USERNAME, _PASSWORD, _TLS). */
  clusterAuth?: RedisClusterAuth;
  /** Prepended to every key (not to pub/sub channels): isolates deployments and test runs. */
  keyPrefix: string;
  /** Shown in `CLIENT LIST` and in logs. */
  connectionName: string;
  /** Extra ioredis options (a subscriber connection, say). */
  overrides?: RedisOptions;
}

/** Reconnect quickly at first, then every two seconds, forever. */
export const redisRetryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 2_000);

/** The seed nodes each cluster client was made with: where a connection of its own starts when the client knows no node yet. */
const clusterSeeds = new WeakMap<Cluster, readonly RedisNodeAddress[]>();

/**
 * The one way both apps connect to Redis. It reconnects by itself and logs each
 * state change once per outage (not every retry), with the address but never
 * the URL's password.
 */
export function createRedisClient({ url, clusterNodes = [], clusterAuth = { tls: false }, keyPrefix, connectionName, overrides }: RedisClientOptions): Redis {
  const logger = new Logger(`Redis:${connectionName}`);
  const options: RedisOptions = {
    keyPrefix,
    connectionName,
    retryStrategy: redisRetryStrategy,
    // While disconnected, a command fails after one reconnection attempt instead of
    // waiting for Redis to return: callers can answer 503 promptly.
    maxRetriesPerRequest: 1,
    ...overrides,
  };
  const clustered = clusterNodes.length > 0;
  const client = clustered ? createClusterClient(clusterNodes, { ...clusterNodeOptions(clusterAuth), ...options }) : new Redis(url, options);
  const address = clustered ? `cluster ${clusterNodes.map(({ host, port }) => `${host}:${port}`).join(',')}` : describeAddress(url);
  let down = false;
  client.on('ready', () => {
    if (down) logger.log(`Reconnected to ${address}`);
    else logger.log(`Connected to ${address}`);
    down = false;
  });
  client.on('error', (error: Error) => {
    if (!down) logger.warn(`Redis at ${address} unavailable (${error.message}); reconnecting in the background`);
    down = true;
  });
  client.on('end', () => logger.log(`Connection to ${address} closed`));
  return client;
}

/** Options that belong to the cluster as a whole rather than to each node's connection. */
const CLUSTER_LEVEL_OPTIONS = ['keyPrefix', 'enableAutoPipelining', 'autoPipeliningIgnoredCommands', 'lazyConnect', 'enableOfflineQueue', 'enableReadyCheck', 'autoResubscribe'] as const;

/**
 * The cluster flavour of the one client: same key prefix, same reconnection
 * schedule (for the cluster as a whole), same one-retry failure of commands
 * while a node is away. The ioredis `Cluster` answers the same commands as a
 * single-node client, so the rest of the code keeps one type; the few places
 * that must see every node (a SCAN, say) ask {@link redisMasters}.
 */
function createClusterClient(nodes: readonly RedisNodeAddress[], { retryStrategy: nodeRetry, ...options }: RedisOptions): Redis {
  const clusterOptions: ClusterOptions = { clusterRetryStrategy: nodeRetry ? (attempt) => nodeRetry(attempt) : undefined };
  const redisOptions: RedisOptions = {};
  for (const [name, value] of Object.entries(options)) {
    if ((CLUSTER_LEVEL_OPTIONS as readonly string[]).includes(name)) (clusterOptions as Record<string, unknown>)[name] = value;
    else (redisOptions as Record<string, unknown>)[name] = value;
  }
  const cluster = new Cluster(
    nodes.map(({ host, port }) => ({ host, port })),
    { ...clusterOptions, redisOptions, slotsRefreshTimeout: 2_000, retryDelayOnClusterDown: 200, retryDelayOnFailover: 200 },
  );
  clusterSeeds.set(cluster, nodes);
  failFastOnceSettled(cluster);
  return cluster as unknown as Redis;
}

/**
 * The nodes a cluster client knows now (the masters and replicas of its last
 * slot map, less those whose connection ended since), or its seed nodes while
 * it knows none (before its first connection, or while it reconnects).
 */
export function knownClusterNodes(cluster: Cluster): RedisNodeAddress[] {
  const known = cluster.nodes().map(({ options }) => ({ host: options.host ?? '127.0.0.1', port: options.port ?? 6379 }));
  return known.length > 0 ? known : [...(clusterSeeds.get(cluster) ?? [])];
}

/**
 * A cluster client queues commands until the cluster is ready, forever while it
 * reconnects: unlike the single-node client's one retry, a caller would then
 * hang instead of answering 503. So the queue only serves the first connection:
 * once the cluster was ready, or its first attempt failed, commands fail at once
 * while it is away (and the ones queued before that failure fail with it).
 */
function failFastOnceSettled(cluster: Cluster): void {
  const settle = (error?: Error) => {
    if (!cluster.options.enableOfflineQueue) return;
    cluster.options.enableOfflineQueue = false;
    // ioredis keeps this private; it is how it fails the queue itself when it gives up.
    if (error) (cluster as unknown as { flushQueue(error: Error): void }).flushQueue(error);
  };
  cluster.once('ready', () => settle());
  cluster.on('error', (error: Error) => {
    if (cluster.status !== 'ready') settle(error);
  });
}

/** Whether a client made by {@link createRedisClient} talks to a Redis Cluster. */
export function isRedisCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** The connections a whole-keyspace command (SCAN) must visit: every master of a cluster, or the one server. */
export function redisMasters(client: Redis | Cluster): Redis[] {
  return isRedisCluster(client) ? client.nodes('master') : [client];
}

/**
 * A second connection to the same Redis (for a blocking read, say), with a few
 * options changed: both client kinds take overrides in different places, so
 * callers go through this. A subscriber takes `createSubscriberClient` instead
 * (`redis-subscriber.ts`): on a cluster, this copy's subscriber moves between
 * nodes without telling.
 */
export function duplicateRedisClient(client: Redis, overrides: RedisOptions = {}): Redis {
  const cluster = client as Redis | Cluster;
  if (!isRedisCluster(cluster)) return client.duplicate(overrides);
  const { keyPrefix, autoResubscribe, lazyConnect, enableAutoPipelining, ...nodeOverrides } = overrides;
  const topLevel = Object.fromEntries(Object.entries({ keyPrefix, autoResubscribe, lazyConnect, enableAutoPipelining }).filter(([, value]) => value !== undefined));
  // The original has stopped queueing once it was ready (failFastOnceSettled): the copy starts queueing again, for its own first connection.
  const duplicate = cluster.duplicate(undefined, { ...topLevel, enableOfflineQueue: true, redisOptions: { ...cluster.options.redisOptions, ...nodeOverrides } });
  clusterSeeds.set(duplicate, clusterSeeds.get(cluster) ?? []);
  failFastOnceSettled(duplicate);
  return duplicate as unknown as Redis;
}

export function describeAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 6379}${parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : ''}`;
  } catch {
    return 'redis';
  }
}

/**
 * Quits gracefully when connected; otherwise disconnects at once, which also
 * cancels the pending reconnection (a QUIT would wait for a server that is down).
 */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    // A cluster client's node connections may be retrying on their own schedule: stop them too.
    const either = client as Redis | Cluster;
    const nodes = isRedisCluster(either) ? either.nodes() : [];
    client.disconnect();
    for (const node of nodes) node.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
