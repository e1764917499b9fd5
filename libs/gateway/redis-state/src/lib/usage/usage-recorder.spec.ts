import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisKeys, usageStreamOf, type UsageEventV1 } from '@sluice/contracts';
import { deleteKeysWithPrefix, DisposableRedisServer, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import { USAGE_EVENT_FIELD, UsageRecorder } from './usage-recorder';

/** Like the apps' client: reconnects forever, and a command fails after one reconnection attempt. */
function connect(url: string, keyPrefix: string): Redis {
  const client = new Redis(url, { keyPrefix, maxRetriesPerRequest: 1, retryStrategy: () => 50, disconnectTimeout: 100 });
  client.on('error', () => undefined);
  return client;
}

async function disconnect(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
}

function usageEvent(n: number): UsageEventV1 {
  return {
    v: 1,
    request_id: `req-${String(n).padStart(5, '0')}`,
    tenant_id: '6f1c5d1e-2f7a-4a8e-9a57-1d5f0c1b2a01',
    api_key_id: '0d9b1f4e-5c3a-4b7e-8f21-6a2c9e0d4b11',
    team_id: null,
    environment: 'live',
    model: 'mock-gpt',
    provider: 'mock',
    deployment: 'mock-gpt/0',
    prompt_tokens: 12,
    completion_tokens: n,
    cost_micros: 30 + n,
    usage_source: 'provider',
    outcome: 'completed',
    http_status: 200,
    latency_ms: 15,
    time_to_first_token_ms: 4,
    started_at: '2026-11-25T12:00:00.000Z',
    finished_at: '2026-11-25T12:00:00.015Z',
  };
}

function events(from: number, to: number): UsageEventV1[] {
  return Array.from({ length: to - from + 1 }, (_, index) => usageEvent(from + index));
}

async function streamEvents(client: Redis): Promise<UsageEventV1[]> {
  const entries = await client.xrange(RedisKeys.usageStream(), '-', '+');
  return entries.map(([, fields]) => {
    expect(fields[0]).toBe(USAGE_EVENT_FIELD);
    return JSON.parse(fields[1]) as UsageEventV1;
  });
}

function requestIds(list: UsageEventV1[]): string[] {
  return list.map((event) => event.request_id);
}

function spillFiles(directory: string): string[] {
  return readdirSync(directory);
}

function writeLeftover(directory: string, pid: number, lines: string[]): string {
  const name = `usage_20260101T000000Z_${pid}_deadbeef_${hostname()}.jsonl`;
  writeFileSync(join(directory, name), lines.join(''));
  return name;
}

/** A pid no process has: Linux pids stay below 2^22. */
const DEAD_PID = 2 ** 30;

describe('UsageRecorder (shared Redis)', () => {
  let prefix: string;
  let redis: Redis;
  let directory: string;
  let recorder: UsageRecorder | undefined;

  beforeEach(() => {
    prefix = uniqueKeyPrefix();
    redis = connect(TEST_REDIS_URL, prefix);
    directory = mkdtempSync(join(tmpdir(), 'sluice-usage-'));
  });

  afterEach(async () => {
    await recorder?.close(1_000);
    recorder = undefined;
    await disconnect(redis);
    await deleteKeysWithPrefix(prefix);
    rmSync(directory, { recursive: true, force: true });
  });

  it('appends each event to the usage stream, in order, without touching the disk', async () => {
    recorder = UsageRecorder.start({ redis, spillDirectory: directory });
    for (const event of events(1, 25)) recorder.record(event);

    await waitUntil(() => recorder?.idle === true, 5_000, 'the events to be written');

    expect(await streamEvents(redis)).toEqual(events(1, 25));
    expect(recorder.written).toBe(25);
    expect([recorder.buffered, recorder.spilled, recorder.replayed]).toEqual([0, 0, 0]);
    expect(spillFiles(directory)).toEqual([]);
  });

  it('with shards, appends each event to its tenant’s shard, in order per tenant, replayed ones first, and announces its count', async () => {
    const tenants = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const ofTenant = (n: number): UsageEventV1 => ({ ...usageEvent(n), tenant_id: tenants[n % tenants.length] });
    writeLeftover(directory, DEAD_PID, Array.from({ length: 12 }, (_, i) => `${JSON.stringify(ofTenant(i + 1))}\n`));
    recorder = UsageRecorder.start({ redis, spillDirectory: directory, streamShards: 16, batchSize: 5 });
    for (let n = 13; n <= 60; n++) recorder.record(ofTenant(n));

    await waitUntil(() => recorder?.idle === true, 5_000, 'the events to be written');

    expect(await redis.smembers(RedisKeys.usageShardCounts())).toEqual(['16']);
    expect(await redis.exists(RedisKeys.usageStream())).toBe(0);
    const written: string[] = [];
    for (const tenant of tenants) {
      const entries = await redis.xrange(usageStreamOf(tenant, 16), '-', '+');
      const ofThisTenant = entries.map(([, fields]) => JSON.parse(fields[1]) as UsageEventV1).filter((event) => event.tenant_id === tenant);
      const expected = Array.from({ length: 60 }, (_, i) => ofTenant(i + 1)).filter((event) => event.tenant_id === tenant);
      expect(requestIds(ofThisTenant)).toEqual(requestIds(expected));
      written.push(...requestIds(ofThisTenant));
    }
    expect(written).toHaveLength(60);
    expect(recorder.replayed).toBe(12);
  });

  it('replays the spill file a crashed process left, skipping its torn last line, before new events', async () => {
    const torn = JSON.stringify(usageEvent(6)).slice(0, 40);
    const leftover = writeLeftover(directory, DEAD_PID, [...events(1, 5).map((event) => `${JSON.stringify(event)}\n`), torn]);
    // An unfinished rewrite by the same dead process: its sources are intact, so it is not replayed.
    writeFileSync(join(directory, `${leftover}.tmp`), `${JSON.stringify(usageEvent(99))}\n`);

    recorder = UsageRecorder.start({ redis, spillDirectory: directory });
    recorder.record(usageEvent(7));
    recorder.record(usageEvent(8));

    await waitUntil(() => recorder?.idle === true, 5_000, 'the replay');
    expect(requestIds(await streamEvents(redis))).toEqual(requestIds([...events(1, 5), ...events(7, 8)]));
    expect(recorder.replayed).toBe(5);
    expect(recorder.skippedLines).toBe(1);
    expect(spillFiles(directory)).toEqual([]);
  });

  it('leaves alone the spill file of a live process on this host', async () => {
    const neighbour = writeLeftover(directory, process.ppid, [`${JSON.stringify(usageEvent(1))}\n`]);

    recorder = UsageRecorder.start({ redis, spillDirectory: directory });
    recorder.record(usageEvent(2));

    await waitUntil(() => recorder?.idle === true, 5_000, 'the new event');
    expect(requestIds(await streamEvents(redis))).toEqual(['req-00002']);
    expect(spillFiles(directory)).toEqual([neighbour]);
  });

  it('flushes everything when Redis is up', async () => {
    recorder = UsageRecorder.start({ redis, spillDirectory: directory });
    for (const event of events(1, 3)) recorder.record(event);

    expect(await recorder.flush(5_000)).toEqual({ complete: true });
    expect(requestIds(await streamEvents(redis))).toEqual(requestIds(events(1, 3)));
  });
});

describe('UsageRecorder across Redis outages', () => {
  const prefix = 'sluice:';
  let server: DisposableRedisServer;
  let redis: Redis;
  let directory: string;

  beforeEach(async () => {
    server = await DisposableRedisServer.start();
    redis = connect(server.url, prefix);
    directory = mkdtempSync(join(tmpdir(), 'sluice-usage-'));
    await waitUntil(() => redis.status === 'ready', 5_000, 'Redis');
  });

  afterEach(async () => {
    await disconnect(redis);
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  async function stopRedis(): Promise<void> {
    await server.stop();
    await waitUntil(() => redis.status !== 'ready', 5_000, 'the client to notice the outage');
  }

  it('buffers in memory, spills beyond the bound, and replays every event once, in order, when Redis is back', async () => {
    const recorder = UsageRecorder.start({ redis, spillDirectory: directory, memoryLimit: 10, batchSize: 7 });
    recorder.record(usageEvent(1));
    await waitUntil(() => recorder.idle, 5_000, 'the first event');
    await stopRedis();

    for (const event of events(2, 41)) recorder.record(event);

    expect(recorder.buffered).toBe(10);
    expect(recorder.spilled).toBe(30);
    const [spillFile] = spillFiles(directory);
    const spilledLines = readFileSync(join(directory, spillFile), 'utf8').trim().split('\n');
    expect(spilledLines.map((line) => (JSON.parse(line) as UsageEventV1).request_id)).toEqual(requestIds(events(12, 41)));

    await server.start();
    await waitUntil(() => recorder.idle, 10_000, 'the replay');

    // The restarted server came back empty, so the stream holds what was replayed.
    expect(requestIds(await streamEvents(redis))).toEqual(requestIds(events(2, 41)));
    expect(recorder.replayed).toBe(30);
    expect(recorder.buffered).toBe(0);
    expect(spillFiles(directory)).toEqual([]);
    await recorder.close(1_000);
  });

  it('keeps what it cannot write at shutdown on disk, for the next process to replay', async () => {
    const first = UsageRecorder.start({ redis, spillDirectory: directory, memoryLimit: 4 });
    await stopRedis();
    for (const event of events(1, 10)) first.record(event);

    expect(await first.close(200)).toEqual({ complete: false });
    expect(() => first.record(usageEvent(11))).toThrow('closed');
    const [leftover] = spillFiles(directory);
    const lines = readFileSync(join(directory, leftover), 'utf8').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as UsageEventV1).request_id)).toEqual(requestIds(events(1, 10)));

    await server.start();
    await waitUntil(() => redis.status === 'ready', 5_000, 'Redis');
    const second = UsageRecorder.start({ redis, spillDirectory: directory });
    second.record(usageEvent(11));
    await waitUntil(() => second.idle, 5_000, 'the replay');

    expect(requestIds(await streamEvents(redis))).toEqual(requestIds(events(1, 11)));
    expect(spillFiles(directory)).toEqual([]);
    await second.close(1_000);
  });

  it('queues an event recorded while older ones wait on disk behind them, even when memory has room again', async () => {
    const recorder = UsageRecorder.start({ redis, spillDirectory: directory, memoryLimit: 5, batchSize: 2 });
    await stopRedis();
    for (const event of events(1, 8)) recorder.record(event);
    expect([recorder.buffered, recorder.spilled]).toEqual([5, 3]);
    const realPipeline = redis.pipeline.bind(redis);
    let pipelines = 0;
    // When the second batch is built, the first has freed room in memory, while 6-8 still wait on disk.
    jest.spyOn(redis, 'pipeline').mockImplementation(() => {
      if (++pipelines === 2) {
        recorder.record(usageEvent(9));
        recorder.record(usageEvent(10));
      }
      return realPipeline();
    });

    await server.start();
    await waitUntil(() => recorder.idle && pipelines >= 2, 5_000, 'the replay');

    expect(requestIds(await streamEvents(redis))).toEqual(requestIds(events(1, 10)));
    jest.restoreAllMocks();
    await recorder.close(1_000);
  });

  it('writes events recorded during the replay after the replayed ones', async () => {
    const recorder = UsageRecorder.start({ redis, spillDirectory: directory, memoryLimit: 5, batchSize: 3 });
    await stopRedis();
    for (const event of events(1, 20)) recorder.record(event);

    await server.start();
    // Keep recording while the client reconnects and the backlog drains, so new events meet every stage of the queue.
    for (const event of events(21, 60)) {
      recorder.record(event);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await waitUntil(() => recorder.idle, 10_000, 'the backlog and the new events');

    expect(requestIds(await streamEvents(redis))).toEqual(requestIds(events(1, 60)));
    expect(spillFiles(directory)).toEqual([]);
    await recorder.close(1_000);
  });
});

it('names each process its own spill file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-usage-'));
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  try {
    const recorder = UsageRecorder.start({ redis, spillDirectory: join(directory, 'nested'), memoryLimit: 0 });
    recorder.record({ ...usageEvent(1), request_id: randomUUID() });
    expect(await recorder.close(0)).toEqual({ complete: false });
    const [name] = readdirSync(join(directory, 'nested'));
    expect(name).toMatch(new RegExp(`^usage_\\d{8}T\\d{6}Z_${process.pid}_[0-9a-f]+_${hostname()}\\.jsonl$`));
  } finally {
    redis.disconnect();
    rmSync(directory, { recursive: true, force: true });
  }
});
