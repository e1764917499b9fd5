import type { CommonEnvValues } from './common-env-rules';

/** How a process drains on SIGTERM (see GracefulShutdown). */
export interface ShutdownSettings {
  /** Readiness answers 503 while the app keeps accepting connections for this long. */
  readonly drainDelayMs: number;
  /** Then requests in flight, drain steps and pool closing get this long before a forced exit. */
  readonly graceMs: number;
}

export function shutdownSettings(env: Pick<CommonEnvValues, 'SHUTDOWN_DRAIN_DELAY_MS' | 'SHUTDOWN_GRACE_MS'>): ShutdownSettings {
  return Object.freeze({ drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS, graceMs: env.SHUTDOWN_GRACE_MS });
}
