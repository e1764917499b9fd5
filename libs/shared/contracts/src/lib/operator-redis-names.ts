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
} as const;

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
