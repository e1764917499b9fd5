/**
 * Sharded usage streams (docs/scaling.md, "Usage stream shards"): what
 * spreading the stream costs the two ends, on the test Redis, one stream
 * against 16 shards in the same run.
 *
 * - gateway side: a `UsageRecorder` appends `BENCH_SHARDS_EVENTS` (default
 *   20,000) events of 500 tenants; events/s until all are in Redis;
 * - control-plane side: two `UsageConsumer`s with a ledger that only counts
 *   drain as many events; events/s until every one is handled and acknowledged.
 *
 * Rounds alternate the two set-ups (`BENCH_SHARDS_ROUNDS`, default 3) and the
 * median is printed with the ratio, and the load average: on a shared machine
 * only the ratio within one run means anything.
 *
 * Run: TS_NODE_PROJECT=bench/tsconfig.json TS_NODE_TRANSPILE_ONLY=true node -r ts-node/register -r tsconfig-paths/register bench/usage-shards.ts
 */
import { usageStreamOf, type UsageEventV1 } from '@sluice/contracts';
import type { UsageEventInput } from '@sluice/control-plane/data-access';
import { UsageRecorder } from '@sluice/gateway/redis-state';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix, usageEvent, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
// The consumer lives in the control-plane app; the bench drives it in-process, without the app around it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { UsageConsumer, type UsageBatchWriter } from '../apps/control-plane/src/metering/usage-consumer';

const EVENTS = Number(process.env['BENCH_SHARDS_EVENTS'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_SHARDS_ROUNDS'] ?? 3);
const tenants = Array.from({ length: 500 }, () => randomUUID());

function event(index: number): UsageEventV1 {
  return usageEvent({ tenant_id: tenants[index % tenants.length], cost_micros: 30, latency_ms: 5, time_to_first_token_ms: 1 });
}

async function recorderRate(shards: number): Promise<number> {
  const prefix = uniqueKeyPrefix();
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 1 });
  const directory = mkdtempSync(join(tmpdir(), 'bench-usage-shards-'));
  await redis.ping();
  const events = Array.from({ length: EVENTS }, (_, i) => event(i));
  const recorder = UsageRecorder.start({ redis, spillDirectory: directory, streamShards: shards, memoryLimit: EVENTS });
  const started = process.hrtime.bigint();
  for (const one of events) recorder.record(one);
  await waitUntil(() => recorder.idle, 120_000, 'the recorder to drain');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await recorder.close(1_000);
  redis.disconnect();
  await deleteKeysWithPrefix(prefix);
  rmSync(directory, { recursive: true, force: true });
  return EVENTS / seconds;
}

class CountingWriter implements UsageBatchWriter {
  count = 0;
  async write(events: UsageEventInput[]): Promise<number> {
    this.count += events.length;
    return events.length;
  }
  refusesData(): boolean {
    return false;
  }
}

async function consumerRate(shards: number): Promise<number> {
  const prefix = uniqueKeyPrefix();
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
  for (let from = 0; from < EVENTS; from += 1_000) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(from + 1_000, EVENTS); i++) {
      const one = event(i);
      pipeline.xadd(usageStreamOf(one.tenant_id, shards), '*', 'event', JSON.stringify(one));
    }
    await pipeline.exec();
  }
  const writer = new CountingWriter();
  const started = process.hrtime.bigint();
  const consumers = ['a', 'b'].map((name) => new UsageConsumer({ redis: redis.duplicate(), writer, consumerName: name, batchSize: 500, claimIdleMs: 30_000, streamShards: shards }));
  for (const consumer of consumers) consumer.start();
  await waitUntil(() => writer.count >= EVENTS, 120_000, 'the consumers to drain');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(consumers.map((consumer) => consumer.stop()));
  redis.disconnect();
  await deleteKeysWithPrefix(prefix);
  return EVENTS / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const results = { recorder: { 1: [] as number[], 16: [] as number[] }, consumer: { 1: [] as number[], 16: [] as number[] } };
  const loadBefore = loadavg()[0];
  for (let round = 0; round < ROUNDS; round++) {
    for (const shards of round % 2 === 0 ? [1, 16] : [16, 1]) {
      results.recorder[shards as 1 | 16].push(await recorderRate(shards));
      results.consumer[shards as 1 | 16].push(await consumerRate(shards));
    }
  }
  const loadAfter = loadavg()[0];
  for (const side of ['recorder', 'consumer'] as const) {
    const one = median(results[side][1]);
    const sixteen = median(results[side][16]);
    console.log(`${side}: 1 stream ${Math.round(one)} events/s, 16 shards ${Math.round(sixteen)} events/s, ratio ${(sixteen / one).toFixed(2)} (median of ${ROUNDS})`);
  }
  console.log(`${EVENTS} events per run; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
