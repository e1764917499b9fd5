import { RedisKeys, USAGE_CONSUMER_GROUP, type UsageEventV1 } from '@sluice/contracts';
import type { UsageEventInput } from '@sluice/control-plane/data-access';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix, usageEvent, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { UsageConsumer, type UsageBatchWriter, type UsageConsumerObserver } from './usage-consumer';

/** An in-memory ledger standing in for PostgreSQL: what the consumer hands over, and when it refuses or is down. */
class RecordingWriter implements UsageBatchWriter {
  readonly recorded = new Map<string, UsageEventInput>();
  batches = 0;
  down = false;
  refuse = new Set<string>();

  async write(events: UsageEventInput[]): Promise<number> {
    if (this.down) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    if (events.some((event) => this.refuse.has(event.request_id))) throw Object.assign(new Error('value out of range'), { code: '22003' });
    this.batches++;
    let added = 0;
    for (const event of events) {
      if (!this.recorded.has(event.request_id)) added++;
      this.recorded.set(event.request_id, event);
    }
    return added;
  }

  refusesData(error: unknown): boolean {
    return (error as { code?: string }).code === '22003';
  }
}

function event(requestId = `req-${randomUUID()}`): UsageEventV1 {
  return usageEvent({ request_id: requestId, tenant_id: randomUUID() });
}

describe('UsageConsumer', () => {
  const prefix = uniqueKeyPrefix();
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
  let writer: RecordingWriter;
  let consumer: UsageConsumer;
  let deadLettered: Record<string, number>;

  const append = async (...events: object[]) => {
    for (const entry of events) await redis.xadd(RedisKeys.usageStream(), '*', 'event', JSON.stringify(entry));
  };
  // -1 until the consumer has created its group.
  const pending = async () => ((await redis.xpending(RedisKeys.usageStream(), USAGE_CONSUMER_GROUP).catch(() => [-1])) as [number])[0];

  beforeEach(async () => {
    await deleteKeysWithPrefix(prefix);
    writer = new RecordingWriter();
    deadLettered = {};
    const observer: UsageConsumerObserver = {
      recorded: () => undefined,
      duplicates: () => undefined,
      deadLettered: (reason, count) => (deadLettered[reason] = (deadLettered[reason] ?? 0) + count),
      failed: () => undefined,
    };
    consumer = new UsageConsumer({ redis: redis.duplicate(), writer, consumerName: 'spec', batchSize: 100, claimIdleMs: 200, blockMs: 100, observer });
    consumer.start();
  });
  afterEach(() => consumer.stop());
  afterAll(async () => {
    await deleteKeysWithPrefix(prefix);
    redis.disconnect();
  });

  it('dead-letters an event the ledger refuses while it is up, records the rest, and acknowledges all', async () => {
    const poison = event();
    writer.refuse.add(poison['request_id'] as string);
    await append(event(), poison, event());
    await waitUntil(async () => writer.recorded.size === 2 && (await redis.xlen(RedisKeys.usageDeadLetters())) === 1, 5_000, 'the batch');
    const [[, fields]] = await redis.xrange(RedisKeys.usageDeadLetters(), '-', '+');
    expect(fields.slice(0, 4)).toEqual(['event', JSON.stringify(poison), 'reason', 'refused by the ledger: value out of range']);
    await waitUntil(async () => (await pending()) === 0, 5_000, 'acknowledgements');
    expect(deadLettered).toEqual({ refused: 1 });
  });

  it('dead-letters an event that fails the schema as invalid', async () => {
    await append({ ...event(), prompt_tokens: -1 }, event());
    await waitUntil(async () => writer.recorded.size === 1 && (await pending()) === 0, 5_000, 'the batch');
    expect(await redis.xlen(RedisKeys.usageDeadLetters())).toBe(1);
    expect(deadLettered).toEqual({ invalid: 1 });
  });

  it('acknowledges nothing while the ledger is down, and records everything once it is back', async () => {
    writer.down = true;
    await append(event(), event());
    await waitUntil(async () => (await pending()) === 2, 5_000, 'deliveries');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await pending()).toBe(2);
    expect(await redis.exists(RedisKeys.usageDeadLetters())).toBe(0);
    writer.down = false;
    await waitUntil(async () => writer.recorded.size === 2 && (await pending()) === 0, 5_000, 'recovery');
  });

  it('creates its group again when Redis lost it (restarted empty), and consumes what is appended afterwards', async () => {
    await append(event());
    await waitUntil(async () => writer.recorded.size === 1 && (await pending()) === 0, 5_000, 'the first event');
    // What a Redis restarted without its data looks like to a running consumer: no stream, no group.
    await redis.del(RedisKeys.usageStream());
    await append(event(), event());
    await waitUntil(async () => writer.recorded.size === 3 && (await pending()) === 0, 5_000, 'the events appended after the loss');
  });

  it('stops after committing and acknowledging the batch in hand', async () => {
    await append(event(), event(), event());
    await waitUntil(() => writer.recorded.size === 3, 5_000, 'the batch');
    await consumer.stop();
    expect(await pending()).toBe(0);
    await append(event());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writer.recorded.size).toBe(3);
  });
});
