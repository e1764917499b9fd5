import { MAX_USAGE_STREAM_SHARDS } from '@sluice/contracts';
import { OTLP_HEADERS_PATTERN, TRACE_SAMPLERS } from '../tracing/tracing-settings';
import { REDIS_CLUSTER_NODES_PATTERN } from '../redis/redis-cluster-nodes';
import { wholeNumber, type EnvValues } from './env-rules';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const NODE_ENVS = ['development', 'production', 'test'] as const;

/**
 * Variables both services read (env-rules.ts): the gateway checks them with
 * checkEnv after its own, the control plane through CommonEnv (common-env.ts),
 * which is decorated from these rules.
 */
export const COMMON_ENV_RULES = {
  NODE_ENV: { kind: 'oneOf', values: NODE_ENVS, message: 'NODE_ENV must be one of development, production, test', default: 'development' },
  LOG_LEVEL: { kind: 'oneOf', values: LOG_LEVELS, message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`, default: 'info' },
  REDIS_URL: { kind: 'matches', pattern: /^rediss?:\/\/[^\s]+$/, message: 'REDIS_URL must be a redis:// or rediss:// URL', default: 'redis://127.0.0.1:6379/0' },
  /**
   * Redis Cluster seed nodes, `host:port,host:port,…`. When set, both apps talk
   * to the cluster and REDIS_URL is not used at all (docs/operations.md).
   */
  REDIS_CLUSTER_NODES: { kind: 'matches', pattern: REDIS_CLUSTER_NODES_PATTERN, message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port', optional: true },
  /** AUTH of every cluster node (ACL user, and its password); REDIS_URL's credentials are not used with a cluster. */
  REDIS_CLUSTER_USERNAME: { kind: 'string', message: 'REDIS_CLUSTER_USERNAME must be a string', optional: true },
  REDIS_CLUSTER_PASSWORD: { kind: 'string', message: 'REDIS_CLUSTER_PASSWORD must be a string', optional: true },
  /** TLS to every cluster node. */
  REDIS_CLUSTER_TLS: { kind: 'boolean', message: 'REDIS_CLUSTER_TLS must be true or false', default: false },
  /**
   * Streams the usage events are spread over, by tenant (docs/scaling.md, Usage stream shards): 1 is the
   * single stream of before; 16 suits a Redis Cluster. Gateways and control planes must agree; changing it
   * on a running deployment is in docs/operations.md.
   */
  USAGE_STREAM_SHARDS: { ...wholeNumber('USAGE_STREAM_SHARDS', 1, MAX_USAGE_STREAM_SHARDS), default: 1 },
  /** Prepended to every Redis key and channel: lets deployments and test runs share one Redis. */
  REDIS_KEY_PREFIX: { kind: 'matches', pattern: /^[A-Za-z0-9:_.-]{0,64}$/, message: 'REDIS_KEY_PREFIX must be up to 64 characters of A-Z a-z 0-9 : _ . -', default: 'sluice:' },
  /**
   * Whose X-Forwarded-For/-Proto to believe (client addresses for IP allow-lists,
   * throttling and audit): `false`, the number of proxies in front (each appends
   * the address it saw), or their addresses/CIDRs. `true` is refused in production.
   * Parsed by trustProxySetting.
   */
  TRUST_PROXY: { kind: 'string', message: 'TRUST_PROXY must be a string', default: 'false' },
  /**
   * Longest time to receive a whole request, headers and body (a client
   * trickling its body holds a connection no longer); the response, a stream
   * included, is not bounded by it.
   */
  REQUEST_TIMEOUT_MS: { ...wholeNumber('REQUEST_TIMEOUT_MS', 1_000, 600_000, ' of milliseconds'), default: 30_000 },
  /**
   * Longest silence on a connection (nothing read or written) before it is
   * closed. The gateway's default is longer: a non-streamed completion is
   * silent until the provider has written all of it.
   */
  CONNECTION_TIMEOUT_MS: { ...wholeNumber('CONNECTION_TIMEOUT_MS', 1_000, 3_600_000, ' of milliseconds'), default: 60_000 },
  /**
   * After SIGTERM, how long the app keeps accepting connections while readiness
   * answers 503, so that load balancers polling it stop sending traffic first.
   * Kubernetes needs none: its preStop sleep is that pause.
   */
  SHUTDOWN_DRAIN_DELAY_MS: { ...wholeNumber('SHUTDOWN_DRAIN_DELAY_MS', 0, 600_000, ' of milliseconds'), default: 0 },
  /**
   * After the pause, how long requests and streams in flight, drain steps and pool
   * closing may take before the process exits anyway (with code 1).
   */
  SHUTDOWN_GRACE_MS: { ...wholeNumber('SHUTDOWN_GRACE_MS', 1_000, 3_600_000, ' of milliseconds'), default: 25_000 },
  /** OpenTelemetry tracing (docs/operations.md, "Tracing"); off, nothing is traced nor propagated. */
  TRACING_ENABLED: { kind: 'boolean', message: 'TRACING_ENABLED must be true or false', default: false },
  /** The rest follows the OpenTelemetry SDK's variables; read only when tracing is enabled. */
  OTEL_SERVICE_NAME: { kind: 'string', minLength: 1, message: 'OTEL_SERVICE_NAME must not be empty', optional: true },
  OTEL_EXPORTER_OTLP_ENDPOINT: { kind: 'matches', pattern: /^https?:\/\/[^\s]+$/, message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL', default: 'http://localhost:4318' },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: { kind: 'matches', pattern: /^https?:\/\/[^\s]+$/, message: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL', optional: true },
  OTEL_EXPORTER_OTLP_HEADERS: { kind: 'matches', pattern: OTLP_HEADERS_PATTERN, message: 'OTEL_EXPORTER_OTLP_HEADERS must be name=value pairs separated by commas', optional: true },
  OTEL_TRACES_SAMPLER: { kind: 'oneOf', values: TRACE_SAMPLERS, message: `OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')}`, default: 'parentbased_always_on' },
  OTEL_TRACES_SAMPLER_ARG: { kind: 'number', min: 0, max: 1, message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1', default: 1 },
} as const;

/** The variables both services read, checked. */
export type CommonEnvValues = EnvValues<typeof COMMON_ENV_RULES>;
