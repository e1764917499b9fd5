import { transportFailure, type AbortCause, type ExchangePhase } from './transport-failure';
import type { UpstreamError } from './upstream.error';

/**
 * The life of one upstream call: a single AbortSignal that fires when the
 * client leaves or the deployment's total timeout elapses, remembering which,
 * and the cleanup of both when the exchange ends (body read, failed or
 * dropped). If the caller never reads the body, the total timeout still
 * aborts it, so nothing is left behind.
 */
export class UpstreamExchange {
  private readonly controller = new AbortController();
  private abortedBy: AbortCause = null;
  private readonly timer: NodeJS.Timeout;
  private finished = false;

  constructor(
    private readonly clientSignal: AbortSignal | undefined,
    readonly timeoutMs: number,
  ) {
    this.timer = setTimeout(this.onTimeout, timeoutMs);
    if (clientSignal === undefined) return;
    if (clientSignal.aborted) this.onClientAbort();
    else clientSignal.addEventListener('abort', this.onClientAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the exchange was cut short by the client or the timeout. */
  get aborted(): boolean {
    return this.abortedBy !== null;
  }

  failure(error: unknown, phase: ExchangePhase): UpstreamError {
    this.finish();
    return transportFailure(error, phase, this.abortedBy, this.timeoutMs);
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.clientSignal?.removeEventListener('abort', this.onClientAbort);
  }

  private readonly onTimeout = (): void => {
    this.abort('total_timeout');
  };

  private readonly onClientAbort = (): void => {
    this.abort('client');
  };

  private abort(cause: Exclude<AbortCause, null>): void {
    if (this.finished || this.abortedBy !== null) return;
    this.abortedBy = cause;
    this.controller.abort(new Error(cause === 'client' ? 'The client went away' : `Timed out after ${this.timeoutMs} ms`));
  }
}
