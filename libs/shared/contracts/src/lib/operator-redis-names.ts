/**
 * Redis names of the operator's view (docs/operations.md, Operator endpoints):
 * what gateways report about themselves and what the control plane counts
 * about the projection. Written without the deployment's prefix (ioredis adds
 * `REDIS_KEY_PREFIX`), as every key in `redis-names.ts`.
 */
export const OperatorRedisKeys = {
  /** HASH gateway id → {@link GatewayHeartbeat} JSON, rewritten by each gateway every few seconds. */
  gatewayHeartbeats: () => 'ops:v1:gateways',
  /** HASH `last_full_rebuild_at` (ISO time), `invalidations_published` (count), written by the control plane. */
  projectionStats: () => 'ops:v1:projection',
  /** HASH error code → requests the gateways refused or failed with it on one UTC day (`yyyymmdd`). */
  errorsOnDay: (yyyymmdd: string) => `ops:v1:errors:day:${yyyymmdd}`,
  /** HASH error code → the same counts over one UTC calendar month (`yyyymm`). */
  errorsInMonth: (yyyymm: string) => `ops:v1:errors:month:${yyyymm}`,
  /** HASH error code → one tenant's refused or failed requests on one UTC day, hash-tagged by the tenant. */
  tenantErrorsOnDay: (tenantId: string, yyyymmdd: string) => `ops:v1:errors:{${tenantId}}:day:${yyyymmdd}`,
} as const;

/** How long the error counters are kept: a day's for a few days, a month's past the month's end. */
export const ERROR_COUNTS_DAY_TTL_SECONDS = 3 * 24 * 3600;
export const ERROR_COUNTS_MONTH_TTL_SECONDS = 40 * 24 * 3600;

/** A gateway's report of itself; the control plane shows those seen within {@link GATEWAY_SEEN_WITHIN_MS}. */
export interface GatewayHeartbeat {
  id: string;
  version: string;
  /** Milliseconds since this gateway last applied a projection invalidation (or subscribed, when none came yet). */
  projection_age_ms: number;
  /** Subscribed to invalidations (its readiness). */
  projection_ready: boolean;
  invalidations_applied: number;
  cached_entries: number;
  /** Circuit-breaker state of each catalog deployment as this gateway sees it (`closed`, `open`, `half_open`). */
  circuits: Record<string, string>;
  /** When it was written (ISO time). */
  at: string;
}

export const GATEWAY_HEARTBEAT_INTERVAL_MS = 2_000;
export const GATEWAY_SEEN_WITHIN_MS = 30_000;
