import { RedisKeys, USAGE_CONSUMER_GROUP, type UsageEventV1 } from '@sluice/contracts';
import { TEST_REDIS_URL, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { Client } from 'pg';

export { usageEvent } from '@sluice/testing';

/** Appends to and inspects one control plane's usage stream, as the gateway sees it (same Redis, same key prefix). */
export class UsageStreamClient {
  readonly redis: Redis;

  constructor(keyPrefix: string, url = TEST_REDIS_URL) {
    this.redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 1 });
  }

  /** `XADD usage:v1 * event <json>`, like the gateway's UsageRecorder; raw strings go as they are. */
  async append(...events: Array<UsageEventV1 | string>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const event of events) pipeline.xadd(RedisKeys.usageStream(), '*', 'event', typeof event === 'string' ? event : JSON.stringify(event));
    await pipeline.exec();
  }

  /** Whether the group has delivered every entry and every delivery is acknowledged. */
  async drained(): Promise<boolean> {
    // ioredis does not prefix XINFO's key.
    const groups = (await this.redis.xinfo('GROUPS', `${this.redis.options.keyPrefix}${RedisKeys.usageStream()}`).catch(() => [])) as Array<Array<string | number | null>>;
    for (const flat of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      if (info.get('name') === USAGE_CONSUMER_GROUP) return info.get('lag') === 0 && info.get('pending') === 0;
    }
    return false;
  }

  waitDrained(deadlineMs = 10_000): Promise<void> {
    return waitUntil(() => this.drained(), deadlineMs, 'the usage stream to drain');
  }

  /** Entries of the dead-letter stream, as field maps. */
  async deadLetters(): Promise<Array<Record<string, string>>> {
    const entries = await this.redis.xrange(RedisKeys.usageDeadLetters(), '-', '+');
    return entries.map(([, fields]) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]])));
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** Direct reads of the ledger tables, to check what the API does not show. */
export class LedgerProbe {
  private readonly client: Client;

  constructor(databaseUrl: string) {
    this.client = new Client({ connectionString: databaseUrl });
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async scalar(sql: string, params: unknown[] = []): Promise<number> {
    const { rows } = await this.client.query<{ value: string | number | null }>(sql, params);
    return Number(rows[0]?.value ?? 0);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
