import { Metrics, RedisKeys, USAGE_CONSUMER_GROUP, USAGE_DEAD_LETTER_REASONS } from '@sluice/contracts';
import type { MetricsRegistry } from '@sluice/platform';
import type Redis from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import { prefixed, type UsageConsumerObserver } from './usage-consumer';

const STREAM_LABEL = 'usage';

/** The consumer's Prometheus series (names from the contracts' metric catalogue). */
export function meteringMetrics(registry: MetricsRegistry, redis: Redis, onFailure: (error: unknown) => void): UsageConsumerObserver {
  const processed = counter(registry, Metrics.usageEventsProcessed);
  const deadLetters = counter(registry, Metrics.usageDeadLetters);
  // Series of a known label set exist from the start at 0, so `increase()` sees the first event.
  for (const outcome of ['recorded', 'duplicate']) processed.inc({ outcome }, 0);
  for (const reason of USAGE_DEAD_LETTER_REASONS) deadLetters.inc({ reason }, 0);
  const groupInfo = () => consumerGroupInfo(redis);
  gauge(registry, Metrics.usageConsumerLag, async () => (await groupInfo())?.lag ?? null);
  gauge(registry, Metrics.usageConsumerPending, async () => (await groupInfo())?.pending ?? null);
  return {
    recorded: (count) => processed.inc({ outcome: 'recorded' }, count),
    duplicates: (count) => processed.inc({ outcome: 'duplicate' }, count),
    deadLettered: (reason, count) => deadLetters.inc({ reason }, count),
    failed: onFailure,
  };
}

function counter(registry: MetricsRegistry, definition: { name: string; help: string; labels: readonly string[] }): Counter<string> {
  return new Counter({ name: definition.name, help: definition.help, labelNames: definition.labels, registers: [registry] });
}

function gauge(registry: MetricsRegistry, definition: { name: string; help: string; labels: readonly string[] }, read: () => Promise<number | null>): void {
  new Gauge({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labels,
    registers: [registry],
    async collect() {
      const value = await read().catch(() => null);
      if (value !== null) this.set({ stream: STREAM_LABEL }, value);
    },
  });
}

/** `XINFO GROUPS` of the usage stream, for our group: null when the stream or group does not exist yet. */
async function consumerGroupInfo(redis: Redis): Promise<{ lag: number | null; pending: number } | null> {
  const groups = (await redis.xinfo('GROUPS', prefixed(redis, RedisKeys.usageStream()))) as Array<Array<string | number | null>>;
  for (const flat of groups) {
    const info = new Map<string, string | number | null>();
    for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
    if (info.get('name') !== USAGE_CONSUMER_GROUP) continue;
    const lag = info.get('lag');
    return { lag: typeof lag === 'number' ? lag : null, pending: Number(info.get('pending') ?? 0) };
  }
  return null;
}
