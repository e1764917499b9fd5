/**
 * At most `perEndpoint` deliveries in flight to one endpoint in this process,
 * so a slow or hanging receiver holds a few of the worker's slots and never
 * all of them: the other endpoints keep being delivered at their own pace.
 * A delivery that finds its endpoint full waits (as a delayed job) about as
 * long as that endpoint takes to answer.
 */
export class EndpointSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly typicalMs = new Map<string, number>();

  constructor(readonly perEndpoint: number) {}

  tryAcquire(endpointId: string): boolean {
    const current = this.inFlight.get(endpointId) ?? 0;
    if (current >= this.perEndpoint) return false;
    this.inFlight.set(endpointId, current + 1);
    return true;
  }

  release(endpointId: string, durationMs: number): void {
    const current = (this.inFlight.get(endpointId) ?? 1) - 1;
    if (current <= 0) this.inFlight.delete(endpointId);
    else this.inFlight.set(endpointId, current);
    const typical = this.typicalMs.get(endpointId);
    this.typicalMs.set(endpointId, typical === undefined ? durationMs : Math.round(typical * 0.8 + durationMs * 0.2));
  }

  /** How long a delivery to a full endpoint waits before trying again: its typical answer time, spread so waiters do not return together. */
  waitMs(endpointId: string): number {
    const typical = this.typicalMs.get(endpointId) ?? 200;
    return Math.min(30_000, Math.max(100, Math.round(typical * (1 + Math.random() * 2))));
  }
}
