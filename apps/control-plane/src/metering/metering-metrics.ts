import { Metrics, USAGE_DEAD_LETTER_REASONS } from '@sluice/contracts';
import type { MetricsRegistry } from '@sluice/platform';
import type Redis from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import type { UsageConsumerObserver } from './usage-consumer';
import { usageStreamStatus } from './usage-stream-status';

const STREAM_LABEL = 'usage';

/** The consumer's Prometheus series (names from the contracts' metric catalogue). */
/** Lag and pending are summed over the usage stream shards (`streamShards`, and every announced count). */
export function meteringMetrics(registry: MetricsRegistry, redis: Redis, streamShards: number, onFailure: (error: unknown) => void): UsageConsumerObserver {
  const processed = counter(registry, Metrics.usageEventsProcessed);
  const deadLetters = counter(registry, Metrics.usageDeadLetters);
  // Series of a known label set exist from the start at 0, so `increase()` sees the first event.
  for (const outcome of ['recorded', 'duplicate']) processed.inc({ outcome }, 0);
  for (const reason of USAGE_DEAD_LETTER_REASONS) deadLetters.inc({ reason }, 0);
  gauge(registry, Metrics.usageConsumerLag, async () => (await usageStreamStatus(redis, streamShards)).lag);
  gauge(registry, Metrics.usageConsumerPending, async () => (await usageStreamStatus(redis, streamShards)).pending);
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
