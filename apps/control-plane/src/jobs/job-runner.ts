import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { closeRedisClient, clusterNodeOptions, type RedisConnectionSettings } from '@sluice/platform';
import type { ConnectionOptions, RedisOptions } from 'bullmq';
import { Cluster, type default as Redis } from 'ioredis';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';

/**
 * BullMQ's key prefix: the deployment's REDIS_KEY_PREFIX (so two deployments
 * sharing a Redis keep apart, and tests clean up by prefix), then a hash tag
 * that puts every key of the job runner in one Redis Cluster slot, as BullMQ's
 * multi-key scripts need.
 */
export function jobKeyPrefix(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}{jobs}`;
}

const CONNECTION_NAME = 'control-plane-jobs';
// As the app's own client: back within 2 s of Redis returning (BullMQ's default waits up to 20 s, and shutdown waits with it).
const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 2_000);

/** BullMQ opens its own connections (it refuses ioredis' keyPrefix), from the same REDIS_URL. */
export function jobConnection(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectionName: CONNECTION_NAME,
    retryStrategy,
  };
}

/**
 * On a Redis Cluster BullMQ needs a `Cluster` client (it cannot build one from
 * options); its workers duplicate it for their blocking reads, and
 * `maxRetriesPerRequest: null` is what those reads require. REDIS_URL is not
 * used at all then.
 */
export function jobConnectionFor(redis: RedisConnectionSettings): ConnectionOptions {
  if (redis.clusterNodes.length === 0) return jobConnection(redis.url);
  return new Cluster(
    redis.clusterNodes.map(({ host, port }) => ({ host, port })),
    { clusterRetryStrategy: retryStrategy, redisOptions: { ...clusterNodeOptions(redis.clusterAuth), connectionName: CONNECTION_NAME, maxRetriesPerRequest: null } },
  );
}

const JOB_CONNECTION = Symbol('JOB_CONNECTION');

/** Owns the cluster client handed to BullMQ, which does not close a client it was given. */
@Module({
  providers: [{ provide: JOB_CONNECTION, inject: [CONTROL_PLANE_CONFIG], useFactory: (config: ControlPlaneConfig) => jobConnectionFor(config.redis) }],
  exports: [JOB_CONNECTION],
})
class JobConnectionModule implements OnApplicationShutdown {
  constructor(@Inject(JOB_CONNECTION) private readonly connection: ConnectionOptions) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.connection instanceof Cluster) await closeRedisClient(this.connection as unknown as Redis);
  }
}

/** The control plane's one job runner (delayed and repeatable jobs); features register their queues with `BullModule.registerQueue`. */
export const JobRunnerModule = BullModule.forRootAsync({
  imports: [JobConnectionModule],
  inject: [CONTROL_PLANE_CONFIG, JOB_CONNECTION],
  useFactory: (config: ControlPlaneConfig, connection: ConnectionOptions) => ({ connection, prefix: jobKeyPrefix(config.redis.keyPrefix) }),
});
