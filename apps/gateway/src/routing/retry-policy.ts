import { setTimeout as delay } from 'node:timers/promises';
import type { RandomSource } from './deployment-selector';

/** Waits `ms`, rejecting early if `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal | undefined) => Promise<void>;

export interface RetryPolicyOptions {
  /** Attempts per request in all, first one included, across deployments and fallbacks. */
  maxAttempts?: number;
  /** Cap of the first retry's backoff; doubles with each further retry. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  random?: RandomSource;
  sleep?: Sleep;
}

export const DEFAULT_RETRY_POLICY_OPTIONS = Object.freeze({ maxAttempts: 4, baseBackoffMs: 50, maxBackoffMs: 1_000 });

const sleepWithTimer: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/**
 * How many times to try and how long to wait between tries: exponential
 * backoff with full jitter (a uniform wait up to the cap), so gateways that
 * failed together do not retry together.
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: RandomSource;
  private readonly sleep: Sleep;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_RETRY_POLICY_OPTIONS.maxAttempts);
    this.baseBackoffMs = options.baseBackoffMs ?? DEFAULT_RETRY_POLICY_OPTIONS.baseBackoffMs;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_RETRY_POLICY_OPTIONS.maxBackoffMs;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? sleepWithTimer;
  }

  /** The wait before retry number `retry` (1 for the second attempt). */
  backoffMs(retry: number): number {
    const cap = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (retry - 1));
    return Math.floor(this.random() * cap);
  }

  /** Waits out the backoff before retry number `retry`; rejects if `signal` aborts first. */
  async beforeRetry(retry: number, signal: AbortSignal | undefined): Promise<void> {
    const ms = this.backoffMs(retry);
    if (ms > 0) await this.sleep(ms, signal);
  }
}
