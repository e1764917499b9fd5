import { createConnection } from 'node:net';
import { connect as connectTls } from 'node:tls';
import Redis, { AbstractConnector, type Cluster, type RedisOptions } from 'ioredis';
import { isRedisCluster, knownClusterNodes, redisRetryStrategy } from './redis-client';
import type { RedisNodeAddress } from './redis-cluster-nodes';

type NodeStream = ReturnType<typeof createConnection> | ReturnType<typeof connectTls>;

/**
 * A connection for SUBSCRIBE whose every (re)subscription shows as a `ready`
 * event, on a single Redis and on a cluster alike, so a subscriber can apply
 * one rule: whatever was published while it was not `ready` is lost.
 *
 * On a single Redis that is a duplicate of `client`. On a cluster it is not
 * ioredis's cluster subscriber, which moves to another node when its node
 * goes away and subscribes again there without any event: messages published
 * in between are lost unnoticed (docs/decisions.md, issue 23). It is one plain
 * connection instead, which each (re)connection opens to the next node the
 * cluster client knows (masters and replicas alike: a cluster forwards a
 * classic PUBLISH to every node), with the same credentials, reconnecting forever.
 */
export function createSubscriberClient(client: Redis, overrides: RedisOptions = {}): Redis {
  const either = client as Redis | Cluster;
  if (!isRedisCluster(either)) return client.duplicate(overrides);
  const { keyPrefix: _unusedByChannels, ...nodeOptions } = either.options.redisOptions ?? {};
  return new Redis({
    ...nodeOptions,
    retryStrategy: redisRetryStrategy,
    ...overrides,
    Connector: nextNodeConnector(() => knownClusterNodes(either)),
  });
}

/**
 * An ioredis connector that opens each connection to the next of `nodes()`,
 * read at that moment, so a reconnection after its node died tries another.
 * It starts at a random node so that many subscribers spread over the cluster.
 */
export function nextNodeConnector(nodes: () => readonly RedisNodeAddress[]): NonNullable<RedisOptions['Connector']> {
  let turn = Math.floor(Math.random() * 1_000);
  return class NextNodeConnector extends AbstractConnector {
    private readonly options: RedisOptions;

    // ioredis hands a connector its own, complete options (typed `unknown` by its ConnectorConstructor).
    constructor(options: unknown) {
      const redisOptions = options as RedisOptions;
      super(redisOptions.disconnectTimeout ?? 2_000);
      this.options = redisOptions;
    }

    connect(): Promise<NodeStream> {
      this.connecting = true;
      const { tls } = this.options;
      return new Promise((resolve, reject) => {
        // As ioredis's own connector: a disconnect() in the same tick cancels the attempt.
        process.nextTick(() => {
          if (!this.connecting) return reject(new Error('Connection is closed.'));
          const candidates = nodes();
          // An empty list still makes a connection attempt (refused at once), so ioredis keeps retrying.
          const { host, port } = candidates[turn++ % Math.max(candidates.length, 1)] ?? { host: '127.0.0.1', port: 0 };
          const stream = tls ? connectTls({ host, port, ...tls }) : createConnection({ host, port });
          stream.once('error', (error: Error) => {
            this.firstError = error;
          });
          this.stream = stream;
          resolve(stream);
        });
      });
    }
  };
}
