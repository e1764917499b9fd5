import { Module, type DynamicModule } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { SeriesHistogram } from './series-histogram';

export { HistogramSeries, SeriesHistogram } from './series-histogram';

/**
 * The app's Prometheus registry. Each app instance has its own (not prom-client's
 * global one), so several instances can run in one process, as tests do.
 */
export class MetricsRegistry extends Registry {}

export function createMetricsRegistry(service: string): MetricsRegistry {
  const registry = new MetricsRegistry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The histogram of every HTTP request's duration, by method, route pattern and status. */
export type RequestDurations = SeriesHistogram<'method' | 'route' | 'status_code'>;

/**
 * One histogram of every HTTP request, labelled by route pattern (never the raw
 * URL, whose ids would make label sets unbounded), method and status; one per
 * registry, shared by Fastify's routes and those served on node:http directly.
 */
export function requestDurations(registry: MetricsRegistry): RequestDurations {
  return new SeriesHistogram({
    name: 'http_server_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern, method and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
}

/** Observes every request Fastify answers in `duration`. */
export function instrumentHttp(fastify: FastifyInstance, duration: RequestDurations): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/** The registry, injectable everywhere; MetricsServer serves it on a port of its own. */
@Module({})
export class MetricsModule {
  static forRoot(registry: MetricsRegistry): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      providers: [{ provide: MetricsRegistry, useValue: registry }],
      exports: [MetricsRegistry],
    };
  }
}
