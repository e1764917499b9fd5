import {
  checkEnv,
  COMMON_ENV_RULES,
  ConfigError,
  redisConnectionSettings,
  providerCredentialEnvs,
  secretOrDevDefault,
  shutdownSettings,
  tracingSettings,
  trustProxySetting,
  wholeNumber,
  type EnvValues,
  type LogLevel,
  type RedisConnectionSettings,
  type ShutdownSettings,
  type TracingSettings,
  type TrustProxy,
} from '@sluice/platform/process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidCidrListError, parseCidrList, type Cidr } from '@sluice/auth/cidr';
import { availableCpus } from './available-cpus';

/** What admission does while Redis is unreachable (docs/limits.md, "When Redis is down"). */
export const REDIS_DOWN_MODES = ['fail_open', 'fail_closed'] as const;
export type RedisDownMode = (typeof REDIS_DOWN_MODES)[number];

/**
 * Each worker's V8 heap settings (docs/decisions.md, Gateway memory). The old
 * generation's limit is left to V8 by default: a 384 MiB cap keeps a worker
 * near 150 MiB under load but costs about a third more CPU per request. What
 * keeps it under 150 MiB is the growth between full collections: V8 lets old
 * space reach ~4× the live heap (~35 MiB) on a host with ≥ 2 GiB, most of the
 * peak; 1.75× keeps it under 150 MiB for a full collection every 1–2 s.
 */
export const DEFAULT_WORKER_HEAP_MB = 0;
export const DEFAULT_WORKER_SEMI_SPACE_MB = 8;
export const DEFAULT_WORKER_HEAP_GROWTH_PERCENT = 75;
const MIN_WORKER_HEAP_MB = 128;

const PORT = (name: string) => ({ kind: 'int', min: 0, max: 65535, message: `${name} must be a port number (0-65535)` }) as const;

/**
 * The gateway's environment: the only place that knows variable names. Checked
 * by checkEnv (env-rules.ts in the platform lib), its own variables first, then
 * those both services read: a worker loads no class-validator.
 */
const GATEWAY_ENV_RULES = {
  GATEWAY_PORT: { ...PORT('GATEWAY_PORT'), default: 8080 },
  GATEWAY_HOST: { kind: 'string', message: 'GATEWAY_HOST must be a string', default: '0.0.0.0' },
  /** Prometheus scrapes GET /metrics here (on GATEWAY_HOST), never on the API port. */
  GATEWAY_METRICS_PORT: { ...PORT('GATEWAY_METRICS_PORT'), default: 9465 },
  /**
   * Worker processes serving the API port (node:cluster), each a whole gateway;
   * unset: one per CPU available in production, one elsewhere.
   */
  GATEWAY_WORKERS: { ...wholeNumber('GATEWAY_WORKERS', 1, 256), optional: true },
  /**
   * V8's old-generation limit of each worker process, in MiB (Node's
   * `--max-old-space-size`); 0 leaves V8's own (sized from the host's memory).
   * Below 2 GiB V8 also lets the heap grow less before a full collection.
   */
  GATEWAY_WORKER_HEAP_MB: { ...wholeNumber('GATEWAY_WORKER_HEAP_MB', 0, 65536), default: DEFAULT_WORKER_HEAP_MB },
  /** V8's young-generation semi-space of each worker process, in MiB (`--max-semi-space-size`); 0 leaves V8's own (16). */
  GATEWAY_WORKER_SEMI_SPACE_MB: { ...wholeNumber('GATEWAY_WORKER_SEMI_SPACE_MB', 0, 256), default: DEFAULT_WORKER_SEMI_SPACE_MB },
  /**
   * How far V8 lets each worker's old generation grow past its live heap before
   * the next full collection, in percent (V8's `--heap-growing-percent`: 75 =
   * 1.75×); 0 leaves V8's own (up to 4×, by its measured GC speed).
   */
  GATEWAY_WORKER_HEAP_GROWTH_PERCENT: { ...wholeNumber('GATEWAY_WORKER_HEAP_GROWTH_PERCENT', 0, 300), default: DEFAULT_WORKER_HEAP_GROWTH_PERCENT },
  /** Chat requests carry whole conversations and images: a larger limit than the control plane's. */
  GATEWAY_BODY_LIMIT_BYTES: { ...wholeNumber('GATEWAY_BODY_LIMIT_BYTES', 1024, 100 * 1024 * 1024, ' of bytes'), default: 20 * 1024 * 1024 },
  /** The request rate of a tenant whose plan sets none (docs/operations.md, Configuration). */
  RATE_LIMIT_PER_MINUTE: { ...wholeNumber('RATE_LIMIT_PER_MINUTE', 1, 1_000_000), default: 60 },
  /**
   * While Redis is unreachable: `fail_open` admits requests that reserve no
   * credit against this process's own counters, `fail_closed` answers 503.
   * Live keys of prepaid tenants get 503 either way: credit cannot be reserved.
   */
  ADMISSION_REDIS_DOWN_MODE: {
    kind: 'oneOf',
    values: REDIS_DOWN_MODES,
    message: `ADMISSION_REDIS_DOWN_MODE must be one of ${REDIS_DOWN_MODES.join(', ')}`,
    default: 'fail_open',
  },
  /** The longest an admission waits for Redis before Redis counts as down for that request (a Redis that hangs). */
  ADMISSION_REDIS_TIMEOUT_MS: { ...wholeNumber('ADMISSION_REDIS_TIMEOUT_MS', 10, 60_000, ' of milliseconds'), default: 2_000 },
  /** Open keep-alive connections per provider origin; further concurrent calls queue. */
  UPSTREAM_CONNECTIONS_PER_ORIGIN: { ...wholeNumber('UPSTREAM_CONNECTIONS_PER_ORIGIN', 1, 10_000), default: 128 },
  UPSTREAM_CONNECT_TIMEOUT_MS: { ...wholeNumber('UPSTREAM_CONNECT_TIMEOUT_MS', 100, 120_000, ' of milliseconds'), default: 5_000 },
  /** The only variables catalog deployments may take credentials from (comma-separated); the providers' own names by default. */
  PROVIDER_CREDENTIAL_ENVS: { kind: 'string', message: 'PROVIDER_CREDENTIAL_ENVS must be a string', optional: true },
  /** Non-public ranges providers may be reached in (comma-separated CIDRs); none by default. */
  UPSTREAM_ALLOWED_PRIVATE_CIDRS: { kind: 'string', message: 'UPSTREAM_ALLOWED_PRIVATE_CIDRS must be a string', optional: true },
  /** Development only: the mock provider, answering for models whose provider has no credential here. */
  DEV_MOCK_UPSTREAM_URL: { kind: 'matches', pattern: /^https?:\/\/[^\s]+$/, message: 'DEV_MOCK_UPSTREAM_URL must be an http:// or https:// URL', optional: true },
  /** Longest silence between two chunks of a provider's answer. */
  UPSTREAM_IDLE_TIMEOUT_MS: { ...wholeNumber('UPSTREAM_IDLE_TIMEOUT_MS', 100, 600_000, ' of milliseconds'), default: 30_000 },
  /** Attempts per request across deployments and fallbacks, the first one included. */
  ROUTING_MAX_ATTEMPTS: { ...wholeNumber('ROUTING_MAX_ATTEMPTS', 1, 20), default: 4 },
  CIRCUIT_BREAKER_FAILURE_THRESHOLD: { ...wholeNumber('CIRCUIT_BREAKER_FAILURE_THRESHOLD', 1, 1_000), default: 5 },
  CIRCUIT_BREAKER_COOLDOWN_MS: { ...wholeNumber('CIRCUIT_BREAKER_COOLDOWN_MS', 100, 3_600_000, ' of milliseconds'), default: 30_000 },
  /**
   * Where usage events wait on disk while Redis is unreachable. Per instance,
   * and it should survive a restart (a volume in production), so the next
   * process replays what this one could not write.
   */
  USAGE_SPILL_DIR: { kind: 'string', minLength: 1, message: 'USAGE_SPILL_DIR must be a directory path', default: join(tmpdir(), 'sluice-usage-spill') },
  /** Verifies platform admins' tokens on /metrics/{tenant_id}; the control plane's secret. */
  JWT_SECRET: { kind: 'string', minLength: 32, message: 'JWT_SECRET must be at least 32 characters', optional: true },
  ...COMMON_ENV_RULES,
  /** Longer than the common default: a non-streamed completion is silent until the provider has finished it. */
  CONNECTION_TIMEOUT_MS: { ...COMMON_ENV_RULES.CONNECTION_TIMEOUT_MS, default: 600_000 },
} as const;

type GatewayEnv = EnvValues<typeof GATEWAY_ENV_RULES>;

export interface GatewayConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly trustProxy: TrustProxy;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly metricsPort: number;
  /** Worker processes (node:cluster); 1 runs the gateway in this process alone. */
  readonly workers: number;
  /** V8 heap settings the primary gives each worker it forks; 0 = V8's default (cluster/worker-node-flags.ts). */
  readonly workerHeap: WorkerHeapSettings;
  /** How the process drains on SIGTERM. */
  readonly shutdown: ShutdownSettings;
  /** OpenTelemetry tracing: off unless TRACING_ENABLED. */
  readonly tracing: TracingSettings;
  readonly bodyLimitBytes: number;
  readonly rateLimitPerMinute: number;
  readonly admission: {
    readonly redisDownMode: RedisDownMode;
    readonly redisTimeoutMs: number;
  };
  readonly redis: RedisConnectionSettings;
  readonly jwtSecret: string;
  readonly upstream: {
    readonly connectionsPerOrigin: number;
    readonly connectTimeoutMs: number;
    readonly idleTimeoutMs: number;
    /** Non-public destinations providers may still have (UPSTREAM_ALLOWED_PRIVATE_CIDRS). */
    readonly allowedPrivateCidrs: readonly Cidr[];
    /** The mock provider standing in for providers without credentials; null unless development set one. */
    readonly devMockUrl: string | null;
  };
  readonly routing: {
    readonly maxAttempts: number;
    readonly breakerFailureThreshold: number;
    readonly breakerCooldownMs: number;
  };
  readonly usageSpillDirectory: string;
  /** USAGE_STREAM_SHARDS: how many streams the usage events are spread over, by tenant. */
  readonly usageStreamShards: number;
  /** PROVIDER_CREDENTIAL_ENVS: the variables a catalog `credential_env` may name. */
  readonly providerCredentialEnvs: readonly string[];
  /**
   * Those variables of the environment, for credentials looked up by the
   * catalog's `credential_env`: nothing else of the environment (its secrets)
   * is within the catalog's reach.
   */
  readonly credentialEnvironment: Readonly<Record<string, string | undefined>>;
}

export interface WorkerHeapSettings {
  readonly oldSpaceMb: number;
  readonly semiSpaceMb: number;
  /** Old-generation growth between full collections, in percent of the live heap; 0 = V8's own. */
  readonly growthPercent: number;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(environment: NodeJS.ProcessEnv): GatewayConfig {
  const env = checkEnv(GATEWAY_ENV_RULES, environment);
  const credentialEnvs = providerCredentialEnvs(env.PROVIDER_CREDENTIAL_ENVS);
  return Object.freeze({
    nodeEnv: env.NODE_ENV,
    port: env.GATEWAY_PORT,
    host: env.GATEWAY_HOST,
    logLevel: env.LOG_LEVEL,
    trustProxy: trustProxySetting(env),
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: env.CONNECTION_TIMEOUT_MS,
    metricsPort: env.GATEWAY_METRICS_PORT,
    workers: env.GATEWAY_WORKERS ?? (env.NODE_ENV === 'production' ? availableCpus() : 1),
    workerHeap: Object.freeze({
      oldSpaceMb: workerHeapMb(env.GATEWAY_WORKER_HEAP_MB),
      semiSpaceMb: env.GATEWAY_WORKER_SEMI_SPACE_MB,
      growthPercent: env.GATEWAY_WORKER_HEAP_GROWTH_PERCENT,
    }),
    shutdown: shutdownSettings(env),
    tracing: tracingSettings(env, 'ai-gateway'),
    bodyLimitBytes: env.GATEWAY_BODY_LIMIT_BYTES,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    admission: Object.freeze({ redisDownMode: env.ADMISSION_REDIS_DOWN_MODE, redisTimeoutMs: env.ADMISSION_REDIS_TIMEOUT_MS }),
    redis: redisConnectionSettings(env),
    jwtSecret: secretOrDevDefault(env.JWT_SECRET, 'JWT_SECRET', env.NODE_ENV === 'production', 'sluice-development-jwt-secret-do-not-use'),
    upstream: Object.freeze({
      connectionsPerOrigin: env.UPSTREAM_CONNECTIONS_PER_ORIGIN,
      connectTimeoutMs: env.UPSTREAM_CONNECT_TIMEOUT_MS,
      idleTimeoutMs: env.UPSTREAM_IDLE_TIMEOUT_MS,
      allowedPrivateCidrs: Object.freeze(allowedPrivateCidrs(env.UPSTREAM_ALLOWED_PRIVATE_CIDRS)),
      devMockUrl: devMockUrl(env),
    }),
    routing: Object.freeze({
      maxAttempts: env.ROUTING_MAX_ATTEMPTS,
      breakerFailureThreshold: env.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
      breakerCooldownMs: env.CIRCUIT_BREAKER_COOLDOWN_MS,
    }),
    usageSpillDirectory: env.USAGE_SPILL_DIR,
    usageStreamShards: env.USAGE_STREAM_SHARDS,
    providerCredentialEnvs: credentialEnvs,
    credentialEnvironment: Object.freeze(Object.fromEntries(credentialEnvs.map((name) => [name, environment[name]]))),
  });
}

/** Below 128 MiB a worker could not even load the app (its heap is ~35 MiB at rest and grows under load). */
function workerHeapMb(megabytes: number): number {
  if (megabytes !== 0 && megabytes < MIN_WORKER_HEAP_MB) {
    throw new ConfigError(`Invalid configuration: GATEWAY_WORKER_HEAP_MB must be 0 (V8's own limit) or from ${MIN_WORKER_HEAP_MB} to 65536`);
  }
  return megabytes;
}

/** Production never answers with the mock: a missing credential there is a 503, so the setting is refused rather than ignored. */
function devMockUrl(env: GatewayEnv): string | null {
  if (env.DEV_MOCK_UPSTREAM_URL === undefined) return null;
  if (env.NODE_ENV === 'production') throw new ConfigError('Invalid configuration: DEV_MOCK_UPSTREAM_URL is for development only and must not be set when NODE_ENV=production');
  return env.DEV_MOCK_UPSTREAM_URL.replace(/\/+$/, '');
}

function allowedPrivateCidrs(raw: string | undefined): Cidr[] {
  try {
    return parseCidrList(raw, 'UPSTREAM_ALLOWED_PRIVATE_CIDRS');
  } catch (error) {
    if (error instanceof InvalidCidrListError) throw new ConfigError(error.message);
    throw error;
  }
}
