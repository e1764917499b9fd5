import type Redis from 'ioredis';
import type { LRUCache } from 'lru-cache';
import {
  parseInvalidationMessage,
  parseProjectionRecord,
  RedisChannels,
  RedisKeys,
  type ApiKeyRecordV1,
  type CatalogRecordV1,
  type InvalidationMessage,
  type TenantRecordV1,
} from '@sluice/contracts';
import { projectionCache } from './projection-cache';
import { ProjectionUnavailableError } from './projection-unavailable.error';

type ProjectionRecord = ApiKeyRecordV1 | TenantRecordV1 | CatalogRecordV1;

export interface ProjectionReaderOptions {
  /** Command connection, configured with the deployment's `keyPrefix`. Not closed by the reader. */
  redis: Redis;
  /**
   * Connection for SUBSCRIBE, owned (and closed) by the reader. Defaults to a
   * duplicate of `redis`. It should reconnect forever (a `retryStrategy` that
   * never gives up); whether it re-subscribes by itself does not matter, but
   * each of its connections must show as a `ready` event. An ioredis `Cluster`
   * does not qualify (its subscriber moves to another node without one), so on
   * a cluster this is required: `createSubscriberClient` of `@sluice/platform`
   * makes one that qualifies.
   */
  subscriber?: Redis;
  /** Prefix of the invalidation channel; defaults to `redis`'s `keyPrefix`. */
  channelPrefix?: string;
  /**
   * Safety net only: an entry older than this is fetched again, and is no longer
   * served while Redis is down. Invalidation messages are what keep the cache current.
   */
  ttlMs?: number;
  maxEntries?: number;
}

export const DEFAULT_PROJECTION_TTL_MS = 60_000;
export const DEFAULT_PROJECTION_CACHE_ENTRIES = 100_000;

/** A cached lookup; `record: null` caches an absent record (negative caching). */
interface CachedLookup {
  record: ProjectionRecord | null;
}

/** One Redis GET that concurrent lookups of the same key share. */
interface PendingLoad {
  promise: Promise<ProjectionRecord | null>;
  /** Set when an invalidation overtakes the GET: its answer may predate the change, so it is not cached. */
  stale: boolean;
}

const CLUSTER_SUBSCRIBER_REFUSED =
  'ProjectionReader needs a subscriber whose every resubscription emits ready; a Redis Cluster client resubscribes on another node silently (use createSubscriberClient)';

function isCluster(client: Redis): boolean {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * The gateway's view of the projection (README.md, Architecture): API key, tenant and
 * catalog records read from Redis through an in-process LRU cache, kept current
 * by the invalidation channel.
 *
 * Outage policy: while Redis is unreachable, an entry younger than `ttlMs` is
 * still served (a Redis blip must not fail every request), and anything else
 * throws {@link ProjectionUnavailableError}: fail closed. A revocation cannot
 * reach Redis while Redis is down, and if only the gateway is cut off, the
 * control plane's changes take effect at the latest `ttlMs` later, so that
 * bounds how long a revoked key can live. Entries are cached only while the
 * subscriber is subscribed, and everything is dropped on every (re)subscription,
 * since messages published while it was away are lost: one rule for a single
 * Redis and a cluster, where a (re)subscription may be on another node
 * (docs/decisions.md, issue 23).
 */
export class ProjectionReader {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly cache: LRUCache<string, CachedLookup>;
  private readonly loads = new Map<string, PendingLoad>();
  private subscribed = false;
  private closed = false;
  private invalidationsReceived = 0;

  constructor(options: ProjectionReaderOptions) {
    this.redis = options.redis;
    this.subscriber = options.subscriber ?? ProjectionReader.subscriberFor(options.redis);
    if (isCluster(this.subscriber)) throw new Error(CLUSTER_SUBSCRIBER_REFUSED);
    this.channel = RedisChannels.invalidation(options.channelPrefix ?? options.redis.options.keyPrefix ?? '');
    this.cache = projectionCache(options.maxEntries ?? DEFAULT_PROJECTION_CACHE_ENTRIES, options.ttlMs ?? DEFAULT_PROJECTION_TTL_MS);
    this.subscriber.on('ready', () => void this.subscribe());
    this.subscriber.on('close', () => {
      this.subscribed = false;
    });
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      const message = parseInvalidationMessage(raw);
      if (message) this.invalidate(message);
    });
    // The 'error' event is expected during outages; without a listener Node would throw it.
    this.subscriber.on('error', () => undefined);
    if (this.subscriber.status === 'ready') void this.subscribe();
    // A lazy connection would otherwise wait for a first command that a subscriber never sends.
    else if (this.subscriber.status === 'wait') this.subscriber.connect().catch(() => undefined);
  }

  /** Subscribed to invalidations, so the cache can be trusted: the readiness signal. */
  get ready(): boolean {
    return this.subscribed;
  }

  /** Invalidation messages applied so far (metrics, and tests that need to know one arrived). */
  get invalidations(): number {
    return this.invalidationsReceived;
  }

  get cachedEntries(): number {
    return this.cache.size;
  }

  /** The record of the key whose secret hashes to `keyHash`, or null when there is none. */
  getApiKey(keyHash: string): Promise<ApiKeyRecordV1 | null> {
    return this.lookup(RedisKeys.apiKey(keyHash)) as Promise<ApiKeyRecordV1 | null>;
  }

  getTenant(tenantId: string): Promise<TenantRecordV1 | null> {
    return this.lookup(RedisKeys.tenant(tenantId)) as Promise<TenantRecordV1 | null>;
  }

  getCatalog(): Promise<CatalogRecordV1 | null> {
    return this.lookup(RedisKeys.catalog()) as Promise<CatalogRecordV1 | null>;
  }

  /** Applies one invalidation message; public so a caller can also invalidate after its own writes. */
  invalidate(message: InvalidationMessage): void {
    this.invalidationsReceived++;
    // Whatever this reader cannot place (no id, a kind it does not know) drops everything: always correct.
    switch (message.kind) {
      case 'api_key':
        if (message.id) this.drop(RedisKeys.apiKey(message.id));
        else this.dropAll();
        return;
      case 'tenant':
        if (message.id) this.drop(RedisKeys.tenant(message.id));
        else this.dropAll();
        return;
      case 'catalog':
        this.drop(RedisKeys.catalog());
        return;
      case 'all':
        this.dropAll();
        return;
      default:
        this.dropAll();
    }
  }

  /** Stops listening and closes the subscriber connection; the command connection is the caller's. */
  async close(): Promise<void> {
    this.closed = true;
    this.subscribed = false;
    this.dropAll();
    if (this.subscriber.status === 'ready') {
      try {
        await this.subscriber.quit();
        return;
      } catch {
        // Fall through: a connection that cannot quit is simply dropped.
      }
    }
    this.subscriber.disconnect();
  }

  private lookup(key: string): Promise<ProjectionRecord | null> {
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached.record);
    return (this.loads.get(key) ?? this.load(key)).promise;
  }

  private load(key: string): PendingLoad {
    const load: PendingLoad = { promise: Promise.resolve(null), stale: false };
    load.promise = this.redis.get(key).then(
      (raw) => {
        if (this.loads.get(key) === load) this.loads.delete(key);
        const record = parseProjectionRecord<ProjectionRecord>(raw);
        // Cached only if no invalidation could have been missed since the GET was sent.
        if (!load.stale && this.subscribed) this.cache.set(key, { record });
        return record;
      },
      (error: unknown) => {
        if (this.loads.get(key) === load) this.loads.delete(key);
        throw new ProjectionUnavailableError(key, { cause: error });
      },
    );
    this.loads.set(key, load);
    return load;
  }

  private drop(key: string): void {
    this.cache.delete(key);
    const load = this.loads.get(key);
    if (load) {
      load.stale = true;
      // The next lookup sends a fresh GET instead of joining one that may predate the change.
      this.loads.delete(key);
    }
  }

  private dropAll(): void {
    this.cache.clear();
    for (const load of this.loads.values()) load.stale = true;
    this.loads.clear();
  }

  private async subscribe(): Promise<void> {
    if (this.closed) return;
    try {
      await this.subscriber.subscribe(this.channel);
    } catch {
      // The connection dropped again; its next 'ready' retries.
      return;
    }
    if (this.closed || this.subscriber.status !== 'ready') return;
    // Only now, with messages flowing again, is it safe to forget what may have been missed.
    this.dropAll();
    this.subscribed = true;
  }

  private static subscriberFor(redis: Redis): Redis {
    if (isCluster(redis)) throw new Error(CLUSTER_SUBSCRIBER_REFUSED);
    const name = redis.options.connectionName;
    return redis.duplicate({ autoResubscribe: false, ...(name ? { connectionName: `${name}:invalidations` } : {}) });
  }
}
