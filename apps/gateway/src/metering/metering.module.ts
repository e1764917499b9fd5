import { Module } from '@nestjs/common';
import { Metrics } from '@sluice/contracts';
import { UsageRecorder } from '@sluice/gateway/redis-state';
import { MetricsRegistry, REDIS, ShutdownHooks } from '@sluice/platform';
import type Redis from 'ioredis';
import { Gauge } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ErrorCounts } from './error-counts';
import { GatewayMetrics } from './gateway-metrics';

/** How long the shutdown drain waits for buffered usage to reach Redis before persisting the rest to disk. */
const USAGE_FLUSH_TIMEOUT_MS = 5_000;

/** Usage events to the Redis stream (buffered through outages), the hot-path Prometheus metrics and the error counts. */
@Module({
  providers: [
    GatewayMetrics,
    ErrorCounts,
    {
      provide: UsageRecorder,
      inject: [REDIS, GATEWAY_CONFIG, ShutdownHooks, MetricsRegistry],
      useFactory: (redis: Redis, config: GatewayConfig, hooks: ShutdownHooks, registry: MetricsRegistry) => {
        const recorder = UsageRecorder.start({ redis, spillDirectory: config.usageSpillDirectory, streamShards: config.usageStreamShards });
        // Runs once every request and stream has finished, before Redis closes: nothing is added after it.
        hooks.register('usage recorder flush', async () => {
          await recorder.close(USAGE_FLUSH_TIMEOUT_MS);
        });
        registerBufferedGauge(registry, recorder);
        return recorder;
      },
    },
  ],
  exports: [GatewayMetrics, UsageRecorder, ErrorCounts],
})
export class MeteringModule {}

function registerBufferedGauge(registry: MetricsRegistry, recorder: UsageRecorder): void {
  const definition = Metrics.gatewayUsageBuffered;
  new Gauge({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labels,
    registers: [registry],
    collect() {
      this.set({ where: 'memory' }, recorder.buffered);
      // An approximation: replays also count a previous process's files.
      this.set({ where: 'disk' }, Math.max(0, recorder.spilled - recorder.replayed));
    },
  });
}
