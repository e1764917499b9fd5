export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a deployment's breaker. */
  failureThreshold?: number;
  /** How long an open breaker keeps its deployment out before one probe request may try it. */
  cooldownMs?: number;
  /** Milliseconds since any fixed point; tests pass a fake clock. */
  now?: () => number;
}

export const DEFAULT_CIRCUIT_BREAKER_OPTIONS = Object.freeze({ failureThreshold: 5, cooldownMs: 30_000 });

interface Breaker {
  consecutiveFailures: number;
  /** When the breaker last opened; null while closed. */
  openedAt: number | null;
  /** A half-open breaker lets one request through at a time. */
  probeInFlight: boolean;
}

/**
 * A circuit breaker per deployment id, in this process: closed → open after N
 * consecutive failures → half-open once the cooldown has passed, admitting a
 * single probe → closed when the probe succeeds, open again when it fails.
 * Only deployments that have failed have an entry.
 */
export class CircuitBreakerRegistry {
  private readonly breakers = new Map<string, Breaker>();
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? DEFAULT_CIRCUIT_BREAKER_OPTIONS.failureThreshold;
    this.cooldownMs = options.cooldownMs ?? DEFAULT_CIRCUIT_BREAKER_OPTIONS.cooldownMs;
    this.now = options.now ?? Date.now;
  }

  state(deploymentId: string): BreakerState {
    const breaker = this.breakers.get(deploymentId);
    if (breaker === undefined || breaker.openedAt === null) return 'closed';
    return this.cooledDown(breaker) ? 'half_open' : 'open';
  }

  /** Whether a request may try the deployment now; does not claim the half-open probe. */
  isAvailable(deploymentId: string): boolean {
    const breaker = this.breakers.get(deploymentId);
    if (breaker === undefined || breaker.openedAt === null) return true;
    return !breaker.probeInFlight && this.cooledDown(breaker);
  }

  /**
   * Claims the right to call the deployment: always granted while closed; for
   * a half-open breaker, granted to one caller, who must then report success,
   * failure or `release`.
   */
  tryAcquire(deploymentId: string): boolean {
    const breaker = this.breakers.get(deploymentId);
    if (breaker === undefined || breaker.openedAt === null) return true;
    if (breaker.probeInFlight || !this.cooledDown(breaker)) return false;
    breaker.probeInFlight = true;
    return true;
  }

  recordSuccess(deploymentId: string): void {
    this.breakers.delete(deploymentId);
  }

  recordFailure(deploymentId: string): void {
    let breaker = this.breakers.get(deploymentId);
    if (breaker === undefined) {
      breaker = { consecutiveFailures: 0, openedAt: null, probeInFlight: false };
      this.breakers.set(deploymentId, breaker);
    }
    if (breaker.openedAt !== null) {
      // A failed probe reopens for a new cooldown; late failures of calls started before the opening change nothing.
      if (breaker.probeInFlight) {
        breaker.probeInFlight = false;
        breaker.openedAt = this.now();
      }
      return;
    }
    breaker.consecutiveFailures++;
    if (breaker.consecutiveFailures >= this.failureThreshold) breaker.openedAt = this.now();
  }

  /** Gives up a claimed probe without a verdict (the client left); the next request may probe. */
  release(deploymentId: string): void {
    const breaker = this.breakers.get(deploymentId);
    if (breaker !== undefined) breaker.probeInFlight = false;
  }

  private cooledDown(breaker: Breaker): boolean {
    return breaker.openedAt !== null && this.now() - breaker.openedAt >= this.cooldownMs;
  }
}
