import { BullModule } from '@nestjs/bullmq';
import type { RedisOptions } from 'bullmq';
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
    connectionName: 'control-plane-jobs',
    // As the app's own client: back within 2 s of Redis returning (BullMQ's default waits up to 20 s, and shutdown waits with it).
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2_000),
  };
}

/** The control plane's one job runner (delayed and repeatable jobs); features register their queues with `BullModule.registerQueue`. */
export const JobRunnerModule = BullModule.forRootAsync({
  inject: [CONTROL_PLANE_CONFIG],
  useFactory: (config: ControlPlaneConfig) => ({ connection: jobConnection(config.redis.url), prefix: jobKeyPrefix(config.redis.keyPrefix) }),
});
