import { USAGE_CONSUMER_GROUP, usageShardKeyList, usageStreamOf } from '@sluice/contracts';
import { waitUntil } from '@sluice/testing';
import Redis, { Cluster as RedisCluster } from 'ioredis';
import { Client } from 'pg';
import type { Cluster } from './cluster';

/** One row of `usage_events`, as the control plane recorded it. */
export interface LedgerEvent {
  request_id: string;
  tenant_id: string;
  api_key_id: string;
  model: string;
  outcome: string;
  http_status: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: number;
}

/** One `usage_daily` row: a day and its dimensions, with their totals. */
export interface DailyRollup {
  day: string;
  tenant_id: string;
  api_key_id: string;
  team_id: string | null;
  model: string;
  environment: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: number;
}

/** A tenant's metered totals over every quota period. */
export interface PeriodTotals {
  tenant_id: string;
  api_calls: number;
  ai_tokens: number;
  cost_micros: number;
}

/** Where the consumer group stands on the usage stream: entries not yet delivered, and delivered but not acknowledged. */
export interface StreamBacklog {
  lag: number | null;
  pending: number;
}

const ROLLUP_DIMENSIONS = `to_char(day, 'YYYY-MM-DD') AS day, tenant_id::text, api_key_id::text, team_id::text, model, environment`;

/**
 * The cluster's usage ledger read directly, as only the database and Redis
 * can show it (docs/limits.md "Metering"): the events, their rollups, and the
 * consumer group's backlog on the usage stream.
 */
export class Ledger {
  private constructor(
    private readonly databaseUrl: string,
    private readonly db: Client,
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** The deployment's USAGE_STREAM_SHARDS: backlog and deliveries are summed over its shards. */
    private readonly streamShards: number,
  ) {}

  static async open(cluster: Cluster, streamShards = 1): Promise<Ledger> {
    const db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    // Commands fail fast while Redis is away (a test may restart it) instead of queueing.
    const redis = cluster.redisClusterNodes
      ? (new RedisCluster(
          cluster.redisClusterNodes.split(',').map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) })),
          { keyPrefix: cluster.redisKeyPrefix, redisOptions: { maxRetriesPerRequest: 1 } },
        ) as unknown as Redis)
      : new Redis(cluster.redisUrl, { keyPrefix: cluster.redisKeyPrefix, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    // Without an offline queue, a command sent before the first connection fails: wait for it.
    await waitUntil(() => redis.status === 'ready', 10_000, 'the ledger’s Redis connection');
    return new Ledger(cluster.databaseUrl, db, redis, cluster.redisKeyPrefix, streamShards);
  }

  async events(tenantIds: string[]): Promise<LedgerEvent[]> {
    const { rows } = await this.db.query<LedgerEvent>(
      `SELECT request_id, tenant_id::text, api_key_id::text, model, outcome, http_status,
              prompt_tokens::int, completion_tokens::int, cost_micros::int
       FROM usage_events WHERE tenant_id = ANY($1::uuid[]) ORDER BY request_id`,
      [tenantIds],
    );
    return rows;
  }

  /** `usage_daily` as the consumers maintained it. */
  async dailyRollups(tenantIds: string[]): Promise<DailyRollup[]> {
    const { rows } = await this.db.query<DailyRollup>(
      `SELECT ${ROLLUP_DIMENSIONS}, requests::int, prompt_tokens::int, completion_tokens::int, cost_micros::int
       FROM usage_daily WHERE tenant_id = ANY($1::uuid[]) ORDER BY 1, 2, 3, 4, 5, 6`,
      [tenantIds],
    );
    return rows;
  }

  /** What `usage_daily` must hold: the events summed per UTC day of `started_at` and dimension. */
  async rollupsOfEvents(tenantIds: string[]): Promise<DailyRollup[]> {
    const { rows } = await this.db.query<DailyRollup>(
      `SELECT ${ROLLUP_DIMENSIONS}, requests::int, prompt_tokens::int, completion_tokens::int, cost_micros::int
       FROM (SELECT (started_at AT TIME ZONE 'UTC')::date AS day, tenant_id, api_key_id, team_id, model, environment,
                    count(*) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
                    sum(cost_micros) AS cost_micros
             FROM usage_events WHERE tenant_id = ANY($1::uuid[]) GROUP BY 1, 2, 3, 4, 5, 6) AS summed
       ORDER BY 1, 2, 3, 4, 5, 6`,
      [tenantIds],
    );
    return rows;
  }

  /** `tenant_period_usage` per tenant, over all its periods. */
  async periodTotals(tenantIds: string[]): Promise<PeriodTotals[]> {
    const { rows } = await this.db.query<PeriodTotals>(
      `SELECT tenant_id::text, sum(api_calls)::int AS api_calls, sum(ai_tokens)::int AS ai_tokens, sum(cost_micros)::int AS cost_micros
       FROM tenant_period_usage WHERE tenant_id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1`,
      [tenantIds],
    );
    return rows;
  }

  /** What `tenant_period_usage` must add up to: the events per tenant. */
  async periodTotalsOfEvents(tenantIds: string[]): Promise<PeriodTotals[]> {
    const { rows } = await this.db.query<PeriodTotals>(
      `SELECT tenant_id::text, count(*)::int AS api_calls, sum(prompt_tokens + completion_tokens)::int AS ai_tokens, sum(cost_micros)::int AS cost_micros
       FROM usage_events WHERE tenant_id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1`,
      [tenantIds],
    );
    return rows;
  }

  /** The consumer group's lag and pending count, summed over the shards; null while a shard has no group (null lag: Redis cannot tell, e.g. after entries were deleted). */
  async backlog(): Promise<StreamBacklog | null> {
    const perShard = await Promise.all(usageShardKeyList(this.streamShards).map(({ stream }) => this.shardBacklog(stream)));
    if (perShard.some((shard) => shard === null)) return null;
    const shards = perShard as StreamBacklog[];
    const lag = shards.some((shard) => shard.lag === null) ? null : shards.reduce((sum, shard) => sum + (shard.lag as number), 0);
    return { lag, pending: shards.reduce((sum, shard) => sum + shard.pending, 0) };
  }

  private async shardBacklog(stream: string): Promise<StreamBacklog | null> {
    // ioredis does not prefix XINFO's key.
    const groups = (await this.redis.xinfo('GROUPS', `${this.keyPrefix}${stream}`).catch(() => null)) as Array<Array<string | number | null>> | null;
    for (const flat of groups ?? []) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      if (info.get('name') === USAGE_CONSUMER_GROUP) return { lag: info.get('lag') as number | null, pending: Number(info.get('pending')) };
    }
    return null;
  }

  /** Deliveries not yet acknowledged, per consumer name (`<host>-<pid>-<random>`), over every shard. */
  async pendingByConsumer(): Promise<Map<string, number>> {
    const byConsumer = new Map<string, number>();
    for (const { stream } of usageShardKeyList(this.streamShards)) {
      const summary = (await this.redis.xpending(stream, USAGE_CONSUMER_GROUP).catch(() => null)) as [number, string, string, Array<[string, string]> | null] | null;
      for (const [consumer, count] of summary?.[3] ?? []) byConsumer.set(consumer, (byConsumer.get(consumer) ?? 0) + Number(count));
    }
    return byConsumer;
  }

  /** Which consumer (`<host>-<pid>-<random>`) holds each shard's lease, by shard stream; null where none does. */
  async leaseHolders(): Promise<Map<string, string | null>> {
    const holders = new Map<string, string | null>();
    for (const { stream, lease } of usageShardKeyList(this.streamShards)) holders.set(stream, await this.redis.get(lease));
    return holders;
  }

  /** Appends raw usage events to their tenants' shards, as a gateway of this shard count does. */
  async appendToShards(events: Array<{ tenant_id: string }>): Promise<void> {
    for (const event of events) await this.redis.xadd(usageStreamOf(event.tenant_id, this.streamShards), '*', 'event', JSON.stringify(event));
  }

  /** Deliveries held by the consumer of the process `pid`. */
  async pendingOfProcess(pid: number): Promise<number> {
    let held = 0;
    for (const [consumer, count] of await this.pendingByConsumer()) if (consumer.includes(`-${pid}-`)) held += count;
    return held;
  }

  /**
   * Until every id in `requestIds` is in the ledger and the group has nothing
   * left to deliver or acknowledge: what is in the ledger then is final.
   */
  async waitUntilDrained(tenantIds: string[], requestIds: Iterable<string>, deadlineMs: number): Promise<void> {
    const expected = new Set(requestIds);
    let missing = expected.size;
    await waitUntil(
      async () => {
        const recorded = new Set((await this.events(tenantIds)).map((event) => event.request_id));
        missing = [...expected].filter((id) => !recorded.has(id)).length;
        if (missing > 0) return false;
        const backlog = await this.backlog();
        return backlog !== null && backlog.lag === 0 && backlog.pending === 0;
      },
      deadlineMs,
      'the usage stream to drain into the ledger',
    ).catch((error: Error) => {
      throw new Error(`${error.message} (${missing} of ${expected.size} expected request ids still missing)`);
    });
  }

  /**
   * Holds a lock on `usage_events` that every ledger write waits for, until
   * `release()`: consumers then sit mid-batch, their deliveries read but not
   * acknowledged.
   */
  async blockLedgerWrites(): Promise<{ release(): Promise<void> }> {
    const blocker = new Client({ connectionString: this.databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE usage_events IN SHARE MODE');
    return {
      async release() {
        await blocker.query('COMMIT');
        await blocker.end();
      },
    };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.db.end();
  }
}

/** Items of `items` occurring more than once, with their count. */
export function duplicates(items: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return Object.fromEntries([...counts].filter(([, count]) => count > 1));
}
