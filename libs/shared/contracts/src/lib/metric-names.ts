/**
 * Every Prometheus metric Sluice exports, in one place: the apps register
 * them from here, and the Grafana dashboard and alert rules in
 * deploy/observability may reference nothing else (tools/deployment checks).
 *
 * Conventions (Prometheus naming guide): base units in the name (`_seconds`,
 * `_bytes`), counters end in `_total`, labels take a small fixed set of
 * values. A tenant id, key id, user or raw request value is never a label:
 * per-tenant numbers live in the ledger and `/metrics/{tenant_id}`. Every
 * series also carries `service` (`ai-gateway` or `control-plane`), the
 * registry's default label.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names, each with a bounded set of values (described in `help`). */
  readonly labels: readonly string[];
  /** Bucket upper bounds of a histogram, in its unit; alert thresholds sit on one of them. */
  readonly buckets?: readonly number[];
  /** Who exports it: one app, both, or prom-client's default process metrics. */
  readonly exportedBy: 'ai-gateway' | 'control-plane' | 'both' | 'process';
}

/** Request latencies, from half a millisecond (the gateway's own overhead) to a minute (long generations). */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/**
 * Label values of `sluice_gateway_redis_down_admissions_total{outcome}`: admitted by the
 * process's own limiter, refused by it (429), or answered 503 (fail_closed, or credit to reserve).
 */
export const REDIS_DOWN_ADMISSION_OUTCOMES = ['admitted_locally', 'limited_locally', 'unavailable'] as const;

/** Label values of `sluice_gateway_limit_rejections_total{reason}`: the gateway's limit error codes (docs/limits.md). */
export const LIMIT_REJECTION_REASONS = ['rate_limit_exceeded', 'quota_exceeded', 'concurrency_limit_exceeded', 'insufficient_credits'] as const;

/** Label values of `sluice_usage_dead_letters_total{reason}`. */
export const USAGE_DEAD_LETTER_REASONS = ['invalid', 'refused'] as const;
export type UsageDeadLetterReason = (typeof USAGE_DEAD_LETTER_REASONS)[number];

export const Metrics = {
  httpServerRequestDuration: {
    name: 'http_server_request_duration_seconds',
    type: 'histogram',
    help: 'Time to answer an HTTP request, by route pattern, method and status',
    labels: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS_SECONDS,
    exportedBy: 'both',
  },
  gatewayRequestDuration: {
    name: 'sluice_gateway_request_duration_seconds',
    type: 'histogram',
    help: 'Time from receiving an inference request to its last byte, by endpoint (chat_completions, messages), provider, status and streaming',
    labels: ['endpoint', 'provider', 'status_code', 'stream'],
    buckets: LATENCY_BUCKETS_SECONDS,
    exportedBy: 'ai-gateway',
  },
  gatewayUpstreamDuration: {
    name: 'sluice_gateway_upstream_duration_seconds',
    type: 'histogram',
    help: 'Time of one attempt at a provider, by provider and outcome (its HTTP status, timeout or network_error)',
    labels: ['provider', 'outcome'],
    buckets: LATENCY_BUCKETS_SECONDS,
    exportedBy: 'ai-gateway',
  },
  gatewayTimeToFirstToken: {
    name: 'sluice_gateway_time_to_first_token_seconds',
    type: 'histogram',
    help: 'Time from receiving a streaming request to sending its first content chunk, by endpoint and provider',
    labels: ['endpoint', 'provider'],
    buckets: LATENCY_BUCKETS_SECONDS,
    exportedBy: 'ai-gateway',
  },
  gatewayTokens: {
    name: 'sluice_gateway_tokens_total',
    type: 'counter',
    help: 'Tokens metered, by provider, type (prompt, completion) and source (provider, estimated)',
    labels: ['provider', 'type', 'source'],
    exportedBy: 'ai-gateway',
  },
  gatewayLimitRejections: {
    name: 'sluice_gateway_limit_rejections_total',
    type: 'counter',
    help: `Requests refused by a limit, by reason (${LIMIT_REJECTION_REASONS.join(', ')})`,
    labels: ['reason'],
    exportedBy: 'ai-gateway',
  },
  gatewayRedisDownAdmissions: {
    name: 'sluice_gateway_redis_down_admissions_total',
    type: 'counter',
    help: `Requests that could not be admitted through Redis (unreachable or too slow), by outcome (${REDIS_DOWN_ADMISSION_OUTCOMES.join(', ')})`,
    labels: ['outcome'],
    exportedBy: 'ai-gateway',
  },
  gatewayUsageBuffered: {
    name: 'sluice_gateway_usage_buffered_events',
    type: 'gauge',
    help: 'Usage events held by the gateway because Redis was unreachable, waiting to be replayed, by where (memory, disk)',
    labels: ['where'],
    exportedBy: 'ai-gateway',
  },
  redisUp: {
    name: 'sluice_redis_up',
    type: 'gauge',
    help: '1 while the app’s Redis connection is ready, 0 while it is down',
    labels: [],
    exportedBy: 'both',
  },
  usageConsumerLag: {
    name: 'sluice_usage_consumer_lag',
    type: 'gauge',
    help: 'Usage events in the stream not yet delivered to the metering consumer group, by stream',
    labels: ['stream'],
    exportedBy: 'control-plane',
  },
  usageConsumerPending: {
    name: 'sluice_usage_consumer_pending',
    type: 'gauge',
    help: 'Usage events delivered to a metering consumer but not yet acknowledged, by stream',
    labels: ['stream'],
    exportedBy: 'control-plane',
  },
  usageEventsProcessed: {
    name: 'sluice_usage_events_processed_total',
    type: 'counter',
    help: 'Usage events written to the ledger, by outcome (recorded, duplicate)',
    labels: ['outcome'],
    exportedBy: 'control-plane',
  },
  usageDeadLetters: {
    name: 'sluice_usage_dead_letters_total',
    type: 'counter',
    help: 'Usage events moved to the dead-letter stream instead of the ledger, by reason (invalid: fails the event schema; refused: the ledger refused its data)',
    labels: ['reason'],
    exportedBy: 'control-plane',
  },
  processResidentMemory: {
    name: 'process_resident_memory_bytes',
    type: 'gauge',
    help: 'Resident memory size in bytes (prom-client default metric)',
    labels: [],
    exportedBy: 'process',
  },
  processCpuSeconds: {
    name: 'process_cpu_seconds_total',
    type: 'counter',
    help: 'Total user and system CPU time spent in seconds (prom-client default metric)',
    labels: [],
    exportedBy: 'process',
  },
  nodejsEventLoopLagP99: {
    name: 'nodejs_eventloop_lag_p99_seconds',
    type: 'gauge',
    help: 'The 99th percentile of the recorded event loop delays (prom-client default metric)',
    labels: [],
    exportedBy: 'process',
  },
} as const satisfies Record<string, MetricDefinition>;

export const METRIC_DEFINITIONS: readonly MetricDefinition[] = Object.values(Metrics);
