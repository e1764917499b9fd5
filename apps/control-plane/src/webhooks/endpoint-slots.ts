/** The longest a delivery waits for its endpoint's turn before it looks again. */
const MAX_WAIT_MS = 10 * 60_000;
const MIN_SPACING_MS = 5;

/**
 * At most `perEndpoint` deliveries in flight to one endpoint in this process,
 * so a slow or hanging receiver holds a few of the worker's slots and never
 * all of them: the other endpoints keep being delivered at their own pace.
 *
 * A delivery that finds its endpoint full waits (as a delayed job) for a turn
 * booked at the pace the endpoint has been answering (its typical answer time
 * over the cap), so a backlog of a thousand deliveries for a slow endpoint is
 * spread over the time it will take, and each waits about once instead of
 * polling the queue.
 */
export class EndpointSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly typicalMs = new Map<string, number>();
  private readonly nextTurn = new Map<string, number>();

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

  /** Books the next turn at a full endpoint and says how long until it. */
  waitMs(endpointId: string, now = Date.now()): number {
    const spacing = Math.max(MIN_SPACING_MS, (this.typicalMs.get(endpointId) ?? 200) / this.perEndpoint);
    const turn = Math.max(now, this.nextTurn.get(endpointId) ?? now) + spacing;
    this.nextTurn.set(endpointId, turn);
    return Math.min(MAX_WAIT_MS, Math.round(turn - now));
  }
}
