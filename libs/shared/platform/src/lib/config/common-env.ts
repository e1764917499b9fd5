// Before the decorators below run: without it TypeScript's `design:type` is
// dropped, and numeric variables would stay strings (and fail validation)
// whenever nothing else happened to load reflect-metadata first.
import 'reflect-metadata';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { OTLP_HEADERS_PATTERN, TRACE_SAMPLERS, type TraceSampler } from '../tracing/tracing-settings';
import { MAX_USAGE_STREAM_SHARDS } from '@sluice/contracts';
import { EnvBoolean } from './env-values';
import { REDIS_CLUSTER_NODES_PATTERN } from '../redis/redis-cluster-nodes';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Variables both services read; each app's schema extends this one. */
export class CommonEnv {
  @IsIn(['development', 'production', 'test'], { message: 'NODE_ENV must be one of development, production, test' })
  readonly NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  readonly LOG_LEVEL: LogLevel = 'info';

  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  readonly REDIS_URL: string = 'redis://127.0.0.1:6379/0';

  /**
   * Redis Cluster seed nodes, `host:port,host:port,…`. When set, both apps talk
   * to the cluster and REDIS_URL is not used at all (docs/operations.md).
   */
  @IsOptional()
  @Matches(REDIS_CLUSTER_NODES_PATTERN, { message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port' })
  readonly REDIS_CLUSTER_NODES?: string;

  /** AUTH of every cluster node (ACL user, and its password); REDIS_URL's credentials are not used with a cluster. */
  @IsOptional()
  @IsString()
  readonly REDIS_CLUSTER_USERNAME?: string;

  @IsOptional()
  @IsString()
  readonly REDIS_CLUSTER_PASSWORD?: string;

  /** TLS to every cluster node. */
  @EnvBoolean()
  @IsIn([true, false], { message: 'REDIS_CLUSTER_TLS must be true or false' })
  readonly REDIS_CLUSTER_TLS: boolean = false;

  /**
   * Streams the usage events are spread over, by tenant (docs/scaling.md, Usage stream shards): 1 is the
   * single stream of before; 16 suits a Redis Cluster. Gateways and control planes must agree; changing it
   * on a running deployment is in docs/operations.md.
   */
  @IsInt({ message: `USAGE_STREAM_SHARDS must be a whole number from 1 to ${MAX_USAGE_STREAM_SHARDS}` })
  @Min(1, { message: `USAGE_STREAM_SHARDS must be a whole number from 1 to ${MAX_USAGE_STREAM_SHARDS}` })
  @Max(MAX_USAGE_STREAM_SHARDS, { message: `USAGE_STREAM_SHARDS must be a whole number from 1 to ${MAX_USAGE_STREAM_SHARDS}` })
  readonly USAGE_STREAM_SHARDS: number = 1;

  /** Prepended to every Redis key and channel: lets deployments and test runs share one Redis. */
  @IsString()
  @Matches(/^[A-Za-z0-9:_.-]{0,64}$/, { message: 'REDIS_KEY_PREFIX must be up to 64 characters of A-Z a-z 0-9 : _ . -' })
  readonly REDIS_KEY_PREFIX: string = 'sluice:';

  /**
   * Whose X-Forwarded-For/-Proto to believe (client addresses for IP allow-lists,
   * throttling and audit): `false`, the number of proxies in front (each appends
   * the address it saw), or their addresses/CIDRs. `true` is refused in production.
   * Parsed by trustProxySetting.
   */
  @IsString()
  readonly TRUST_PROXY: string = 'false';

  /**
   * Longest time to receive a whole request, headers and body (a client
   * trickling its body holds a connection no longer); the response, a stream
   * included, is not bounded by it.
   */
  @IsInt({ message: 'REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000' })
  @Min(1_000, { message: 'REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000' })
  @Max(600_000, { message: 'REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000' })
  readonly REQUEST_TIMEOUT_MS: number = 30_000;

  /**
   * Longest silence on a connection (nothing read or written) before it is
   * closed. The gateway's default is longer: a non-streamed completion is
   * silent until the provider has written all of it.
   */
  @IsInt({ message: 'CONNECTION_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 3600000' })
  @Min(1_000, { message: 'CONNECTION_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 3600000' })
  @Max(3_600_000, { message: 'CONNECTION_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 3600000' })
  readonly CONNECTION_TIMEOUT_MS: number = 60_000;

  /**
   * After SIGTERM, how long the app keeps accepting connections while readiness
   * answers 503, so that load balancers polling it stop sending traffic first.
   * Kubernetes needs none: its preStop sleep is that pause.
   */
  @IsInt({ message: 'SHUTDOWN_DRAIN_DELAY_MS must be a whole number of milliseconds from 0 to 600000' })
  @Min(0, { message: 'SHUTDOWN_DRAIN_DELAY_MS must be a whole number of milliseconds from 0 to 600000' })
  @Max(600_000, { message: 'SHUTDOWN_DRAIN_DELAY_MS must be a whole number of milliseconds from 0 to 600000' })
  readonly SHUTDOWN_DRAIN_DELAY_MS: number = 0;

  /**
   * After the pause, how long requests and streams in flight, drain steps and pool
   * closing may take before the process exits anyway (with code 1).
   */
  @IsInt({ message: 'SHUTDOWN_GRACE_MS must be a whole number of milliseconds from 1000 to 3600000' })
  @Min(1_000, { message: 'SHUTDOWN_GRACE_MS must be a whole number of milliseconds from 1000 to 3600000' })
  @Max(3_600_000, { message: 'SHUTDOWN_GRACE_MS must be a whole number of milliseconds from 1000 to 3600000' })
  readonly SHUTDOWN_GRACE_MS: number = 25_000;

  /** OpenTelemetry tracing (docs/operations.md, "Tracing"); off, nothing is traced nor propagated. */
  @EnvBoolean()
  @IsIn([true, false], { message: 'TRACING_ENABLED must be true or false' })
  readonly TRACING_ENABLED: boolean = false;

  /** The rest follows the OpenTelemetry SDK's variables; read only when tracing is enabled. */
  @IsOptional()
  @MinLength(1, { message: 'OTEL_SERVICE_NAME must not be empty' })
  readonly OTEL_SERVICE_NAME?: string;

  @Matches(/^https?:\/\/[^\s]+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL' })
  readonly OTEL_EXPORTER_OTLP_ENDPOINT: string = 'http://localhost:4318';

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL' })
  readonly OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  @IsOptional()
  @Matches(OTLP_HEADERS_PATTERN, { message: 'OTEL_EXPORTER_OTLP_HEADERS must be name=value pairs separated by commas' })
  readonly OTEL_EXPORTER_OTLP_HEADERS?: string;

  @IsIn(TRACE_SAMPLERS, { message: `OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')}` })
  readonly OTEL_TRACES_SAMPLER: TraceSampler = 'parentbased_always_on';

  @IsNumber({}, { message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1' })
  @Min(0, { message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1' })
  @Max(1, { message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1' })
  readonly OTEL_TRACES_SAMPLER_ARG: number = 1;
}
