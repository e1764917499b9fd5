import { parseInvalidationMessage, parseProjectionRecord, RedisChannels, RedisKeys, type ApiKeyRecordV1, type InvalidationMessage, type TenantRecordV1 } from '@sluice/contracts';
import { TEST_REDIS_URL } from '@sluice/testing';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';

/** Reads one control plane's projection the way the gateway does: same Redis, same key prefix. */
export class ProjectionProbe {
  readonly redis: Redis;
  private subscriber: Redis | null = null;
  readonly messages: InvalidationMessage[] = [];

  constructor(
    readonly keyPrefix: string,
    url = TEST_REDIS_URL,
  ) {
    this.redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  }

  /** Starts collecting invalidation messages (the channel carries the prefix explicitly). */
  async subscribe(url = TEST_REDIS_URL): Promise<void> {
    this.subscriber = new Redis(url, { retryStrategy: () => 200 });
    this.subscriber.on('message', (_channel: string, raw: string) => {
      const message = parseInvalidationMessage(raw);
      if (message) this.messages.push(message);
    });
    await this.subscriber.subscribe(RedisChannels.invalidation(this.keyPrefix));
  }

  async keyRecord(secret: string): Promise<ApiKeyRecordV1 | null> {
    return parseProjectionRecord<ApiKeyRecordV1>(await this.redis.get(RedisKeys.apiKey(sha256(secret))));
  }

  async tenantRecord(tenantId: string): Promise<TenantRecordV1 | null> {
    return parseProjectionRecord<TenantRecordV1>(await this.redis.get(RedisKeys.tenant(tenantId)));
  }

  close(): void {
    this.redis.disconnect();
    this.subscriber?.disconnect();
  }
}

export function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
