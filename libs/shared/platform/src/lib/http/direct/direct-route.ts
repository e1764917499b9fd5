import type { ErrorCode } from '@sluice/contracts';
import type { DirectRequest, TrustFn } from './direct-request';
import type { HistogramSeries, RequestDurations } from '../../metrics/metrics';

/** What serves one route on node:http directly. */
export interface DirectHandler {
  /** Answers `request` (its body parsed); a rejection is answered in the error shape. */
  handle(request: DirectRequest): Promise<void>;
  /** `request` was answered with the error `code` (a refused body, or the handler's failure). */
  failed?(code: ErrorCode, request: DirectRequest): void;
}

/** What happens to a request as its body and answer go by (DirectRoutes). */
export interface DirectRequestEvents {
  received(request: DirectRequest, chunk: Buffer): void;
  bodyEnded(request: DirectRequest): void;
  bodyFailed(request: DirectRequest, error: Error): void;
  answered(request: DirectRequest): void;
}

/** What every direct route shares, decided once when the app is built. */
export interface DirectSettings {
  readonly trust: TrustFn | null;
  readonly durations: RequestDurations;
  readonly events: DirectRequestEvents;
}

/** One route served on node:http directly, with what its requests share: the handler, the trust function, the histogram's label sets by status. */
export class DirectRoute {
  private readonly durationsByStatus = new Map<number, HistogramSeries<'method' | 'route' | 'status_code'>>();

  constructor(
    /** The route pattern, as logs, metrics and spans name it. */
    readonly path: string,
    readonly handler: DirectHandler,
    private readonly settings: DirectSettings,
  ) {}

  get trust(): TrustFn | null {
    return this.settings.trust;
  }

  get events(): DirectRequestEvents {
    return this.settings.events;
  }

  /** Records one answered request's duration under this route's label set for `status` (bound on first use). */
  observe(status: number, seconds: number): void {
    let child = this.durationsByStatus.get(status);
    if (child === undefined) {
      child = this.settings.durations.series({ method: 'POST', route: this.path, status_code: String(status) });
      this.durationsByStatus.set(status, child);
    }
    child.observe(seconds);
  }
}
