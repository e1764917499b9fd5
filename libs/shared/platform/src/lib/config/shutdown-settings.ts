import { CommonEnv } from './common-env';
import { loadConfig } from './load-config';

/** How a process drains on SIGTERM (see GracefulShutdown). */
export interface ShutdownSettings {
  /** Readiness answers 503 while the app keeps accepting connections for this long. */
  readonly drainDelayMs: number;
  /** Then requests in flight, drain steps and pool closing get this long before a forced exit. */
  readonly graceMs: number;
}

export function shutdownSettings(env: Pick<CommonEnv, 'SHUTDOWN_DRAIN_DELAY_MS' | 'SHUTDOWN_GRACE_MS'>): ShutdownSettings {
  return Object.freeze({ drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS, graceMs: env.SHUTDOWN_GRACE_MS });
}

/**
 * The shutdown settings of an environment, for a main.ts whose app config does
 * not carry them yet. Both apps' schemas extend CommonEnv, so by the time this
 * runs the variables have already been validated with the rest.
 */
export function loadShutdownSettings(environment: NodeJS.ProcessEnv): ShutdownSettings {
  return shutdownSettings(loadConfig(CommonEnv, environment));
}
