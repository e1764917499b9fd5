import { Metrics } from '@sluice/contracts';
import type Redis from 'ioredis';
import { Gauge } from 'prom-client';
import type { MetricsRegistry } from './metrics';

/** `sluice_redis_up`: read from the connection's state at each scrape, so it costs nothing between scrapes. */
export function registerRedisUpGauge(registry: MetricsRegistry, redis: Redis): Gauge {
  const definition = Metrics.redisUp;
  return new Gauge({
    name: definition.name,
    help: definition.help,
    registers: [registry],
    // Across a gateway's workers: down when any worker's connection is.
    aggregator: 'min',
    collect() {
      this.set(redis.status === 'ready' ? 1 : 0);
    },
  });
}
