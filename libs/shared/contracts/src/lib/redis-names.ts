/**
 * Every Redis name the two services share (SPEC section 5). Keys are written
 * without the deployment's prefix: ioredis adds `REDIS_KEY_PREFIX` to keys,
 * but not to pub/sub channels, so channel builders take the prefix explicitly.
 *
 * Keys that one gateway request touches carry the tenant id as a hash tag
 * (`{tenantId}`), so the admission and settlement scripts run on Redis Cluster.
 */
export const REDIS_CONTRACT_VERSION = 1;

const v = `v${REDIS_CONTRACT_VERSION}`;

export const RedisKeys = {
  /** Projection of one API key, addressed by the SHA-256 of its secret. */
  apiKey: (keyHash: string) => `proj:${v}:key:${keyHash}`,
  /** Projection of one tenant: status, plan limits, quota, billing mode. */
  tenant: (tenantId: string) => `proj:${v}:tenant:{${tenantId}}`,
  /** Projection of the model catalog. */
  catalog: () => `proj:${v}:catalog`,
  /** One rate-limit window counter of a tenant, key or team. */
  limitWindow: (tenantId: string, subject: string, window: string) => `lim:${v}:{${tenantId}}:${subject}:${window}`,
  /** In-flight requests of a tenant or one of its keys. */
  concurrency: (tenantId: string, subject: string) => `conc:${v}:{${tenantId}}:${subject}`,
  /** Remaining prepaid credit of a tenant, in USD micro-units. */
  credits: (tenantId: string) => `credit:${v}:{${tenantId}}`,
  /** Usage events, appended by the gateway, consumed by the control plane. */
  usageStream: () => `usage:${v}`,
} as const;

export const RedisChannels = {
  /** Projection invalidation messages ({@link InvalidationMessage}). */
  invalidation: (prefix: string) => `${prefix}invalidate:${v}`,
} as const;

/** Consumer group of the control plane on the usage stream. */
export const USAGE_CONSUMER_GROUP = 'control-plane-metering';
