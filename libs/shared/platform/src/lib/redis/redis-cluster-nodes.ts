import { refuseKnownSecret } from '../config/known-secrets';

/** `host:port` pairs separated by commas (spaces around them allowed). */
export const REDIS_CLUSTER_NODES_PATTERN = /^\s*[A-Za-z0-9.\-[\]:]+:\d{1,5}\s*(,\s*[A-Za-z0-9.\-[\]:]+:\d{1,5}\s*)*$/;

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** REDIS_CLUSTER_NODES as addresses; an empty or unset value means single-node Redis (REDIS_URL). */
export function parseRedisClusterNodes(value: string | undefined): RedisNodeAddress[] {
  if (!value || value.trim() === '') return [];
  return value.split(',').map((entry) => {
    const trimmed = entry.trim();
    const colon = trimmed.lastIndexOf(':');
    const host = trimmed.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const port = Number(trimmed.slice(colon + 1));
    if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`REDIS_CLUSTER_NODES has an invalid entry: ${trimmed}`);
    return { host, port };
  });
}

/** How an app reaches Redis: one server by URL, or a cluster by its seed nodes (which then wins). */
export interface RedisConnectionSettings {
  readonly url: string;
  readonly keyPrefix: string;
  /** Empty: single-node Redis at `url`. */
  readonly clusterNodes: readonly RedisNodeAddress[];
  /** How to authenticate to, and encrypt for, every cluster node. */
  readonly clusterAuth: RedisClusterAuth;
}

export interface RedisClusterAuth {
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
}

export interface RedisEnv {
  NODE_ENV?: string;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_CLUSTER_USERNAME?: string;
  REDIS_CLUSTER_PASSWORD?: string;
  REDIS_CLUSTER_TLS?: boolean;
}

export function redisConnectionSettings(env: RedisEnv): RedisConnectionSettings {
  return Object.freeze({
    url: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    clusterNodes: Object.freeze(parseRedisClusterNodes(env.REDIS_CLUSTER_NODES)),
    clusterAuth: Object.freeze({ username: env.REDIS_CLUSTER_USERNAME || undefined, password: env.REDIS_CLUSTER_PASSWORD ? refuseKnownSecret(env.REDIS_CLUSTER_PASSWORD, 'REDIS_CLUSTER_PASSWORD', env.NODE_ENV === 'production') : undefined, tls: env.REDIS_CLUSTER_TLS ?? false }),
  });
}

/** The per-node connection options a cluster client needs for `auth`. */
export function clusterNodeOptions({ username, password, tls }: RedisClusterAuth): { username?: string; password?: string; tls?: object } {
  return { ...(username ? { username } : {}), ...(password ? { password } : {}), ...(tls ? { tls: {} } : {}) };
}
