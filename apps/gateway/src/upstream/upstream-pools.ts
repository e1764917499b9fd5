import { Pool } from 'undici';
import { DestinationPolicy } from '@sluice/auth';

export interface UpstreamPoolOptions {
  /** Upper bound of open connections to one origin; more concurrent calls queue in the pool. */
  connectionsPerOrigin?: number;
  /** How long to wait for a TCP (and TLS) connection. */
  connectTimeoutMs?: number;
  /** How long an idle connection is kept for reuse when the server gives no keep-alive hint. */
  keepAliveTimeoutMs?: number;
  /** Cap on the server's own keep-alive hint. */
  keepAliveMaxTimeoutMs?: number;
  /** Which addresses may be connected to; only public ones unless given. */
  destinations?: DestinationPolicy;
}

export const DEFAULT_UPSTREAM_POOL_OPTIONS: Required<Omit<UpstreamPoolOptions, 'destinations'>> = Object.freeze({
  connectionsPerOrigin: 128,
  connectTimeoutMs: 5_000,
  keepAliveTimeoutMs: 30_000,
  keepAliveMaxTimeoutMs: 600_000,
});

/** What a pool reports about its connections and requests (undici's `PoolStats`). */
export interface UpstreamPoolStats {
  connected: number;
  free: number;
  pending: number;
  queued: number;
  running: number;
  size: number;
}

/**
 * One keep-alive `Pool` per origin (scheme, host and port), created on first
 * use. Pipelining stays off: a slow streamed completion would otherwise hold
 * up every request queued behind it on the same socket.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly options: Required<UpstreamPoolOptions>;
  /** Every pool's connections are opened through it, so the destination policy sees each one. */
  private readonly connect: ReturnType<DestinationPolicy['connector']>;

  constructor(options: UpstreamPoolOptions = {}) {
    const defaults = DEFAULT_UPSTREAM_POOL_OPTIONS;
    this.options = {
      connectionsPerOrigin: options.connectionsPerOrigin ?? defaults.connectionsPerOrigin,
      connectTimeoutMs: options.connectTimeoutMs ?? defaults.connectTimeoutMs,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? defaults.keepAliveTimeoutMs,
      keepAliveMaxTimeoutMs: options.keepAliveMaxTimeoutMs ?? defaults.keepAliveMaxTimeoutMs,
      destinations: options.destinations ?? DestinationPolicy.publicOnly(),
    };
    this.connect = this.options.destinations.connector(this.options.connectTimeoutMs);
  }

  /** The pool for `origin` (`new URL(url).origin`). */
  forOrigin(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.options.connectionsPerOrigin,
        pipelining: 1,
        connect: this.connect,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        keepAliveMaxTimeout: this.options.keepAliveMaxTimeoutMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Connection and request counts for one origin; undefined before its first request. */
  stats(origin: string): UpstreamPoolStats | undefined {
    const pool = this.pools.get(origin);
    if (pool === undefined) return undefined;
    const { connected, free, pending, queued, running, size } = pool.stats;
    return { connected, free, pending, queued, running, size };
  }

  /** Closes every pool: waits for requests in flight, then closes their connections. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /** Closes every pool now, failing requests in flight. */
  async destroy(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}
