import { Injectable } from '@nestjs/common';
import { LIMIT_REJECTION_REASONS, Metrics, REDIS_DOWN_ADMISSION_OUTCOMES, type MetricDefinition } from '@sluice/contracts';
import { MetricsRegistry, SeriesHistogram } from '@sluice/platform';
import { Counter } from 'prom-client';

/** Which inbound API served a request: a label value of the request and first-token histograms. */
export type InferenceEndpoint = 'chat_completions' | 'messages';

/** `provider` label of a request that never reached a provider (refused, or no deployment). */
export const NO_PROVIDER = 'none';

/**
 * The gateway's hot-path metrics, named and labelled as `metric-names.ts`
 * defines them. Labels are bounded: provider kinds, endpoints, HTTP
 * statuses, refusal codes; never a tenant, key or model id.
 */
@Injectable()
export class GatewayMetrics {
  /** Observed per request: bind a label set with `series` (series-histogram.ts). */
  readonly requestDuration: SeriesHistogram<'endpoint' | 'provider' | 'status_code' | 'stream'>;
  readonly upstreamDuration: SeriesHistogram<'provider' | 'outcome'>;
  readonly timeToFirstToken: SeriesHistogram<'endpoint' | 'provider'>;
  readonly tokens: Counter<'provider' | 'type' | 'source'>;
  readonly limitRejections: Counter<'reason'>;
  readonly redisDownAdmissions: Counter<'outcome'>;

  constructor(registry: MetricsRegistry) {
    this.requestDuration = histogram(registry, Metrics.gatewayRequestDuration);
    this.upstreamDuration = histogram(registry, Metrics.gatewayUpstreamDuration);
    this.timeToFirstToken = histogram(registry, Metrics.gatewayTimeToFirstToken);
    this.tokens = counter(registry, Metrics.gatewayTokens);
    this.limitRejections = counter(registry, Metrics.gatewayLimitRejections);
    this.redisDownAdmissions = counter(registry, Metrics.gatewayRedisDownAdmissions);
    // Series of a known label set exist from the start at 0, so `increase()` sees the first one.
    for (const reason of LIMIT_REJECTION_REASONS) this.limitRejections.inc({ reason }, 0);
    for (const outcome of REDIS_DOWN_ADMISSION_OUTCOMES) this.redisDownAdmissions.inc({ outcome }, 0);
  }
}

function histogram<L extends string>(registry: MetricsRegistry, definition: MetricDefinition): SeriesHistogram<L> {
  return new SeriesHistogram<L>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labels as L[],
    buckets: [...(definition.buckets ?? [])],
    registers: [registry],
  });
}

function counter<L extends string>(registry: MetricsRegistry, definition: MetricDefinition): Counter<L> {
  return new Counter<L>({ name: definition.name, help: definition.help, labelNames: definition.labels as L[], registers: [registry] });
}
