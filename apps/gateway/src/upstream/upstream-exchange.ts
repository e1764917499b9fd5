import type { Tracing } from '@sluice/platform';
import { AbortEmitter, offAbort, onAbort, type AbortSource } from './abort-emitter';
import { transportFailure, type AbortCause, type ExchangePhase } from './transport-failure';
import { UpstreamTrace } from './upstream-trace';
import type { UpstreamError } from './upstream.error';

/**
 * The life of one upstream call: a single abort (an AbortEmitter, which undici
 * takes as a signal) that fires when the
 * client leaves or the deployment's total timeout elapses, remembering which,
 * and the cleanup of both when the exchange ends (body read, failed or
 * dropped), which also ends its span when tracing is on. If the caller never
 * reads the body, the total timeout still aborts it, so nothing is left behind.
 */
export class UpstreamExchange {
  private readonly aborter = new AbortEmitter();
  private abortedBy: AbortCause = null;
  private readonly timer: NodeJS.Timeout;
  private finished = false;
  private trace: UpstreamTrace | undefined;

  constructor(
    private readonly clientSignal: AbortSource | undefined,
    readonly timeoutMs: number,
  ) {
    this.timer = setTimeout(this.onTimeout, timeoutMs);
    if (clientSignal === undefined) return;
    if (clientSignal.aborted) this.onClientAbort();
    else onAbort(clientSignal, this.onClientAbort);
  }

  /** What undici's request is given as its signal. */
  get signal(): AbortEmitter {
    return this.aborter;
  }

  /** Whether the exchange was cut short by the client or the timeout. */
  get aborted(): boolean {
    return this.abortedBy !== null;
  }

  failure(error: unknown, phase: ExchangePhase): UpstreamError {
    const failure = transportFailure(error, phase, this.abortedBy, this.timeoutMs);
    this.trace?.failed(failure.kind, failure.message);
    this.finish();
    return failure;
  }

  /** Makes the exchange a client span of the request being handled; returns the headers to send, with its `traceparent`. */
  traced(tracing: Tracing, method: string, url: URL, headers: Record<string, string>): Record<string, string> {
    const started = UpstreamTrace.start(tracing, method, url, headers);
    this.trace = started.trace;
    return started.headers;
  }

  /** The response headers arrived. */
  responded(status: number): void {
    this.trace?.responded(status);
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    if (this.clientSignal !== undefined) offAbort(this.clientSignal, this.onClientAbort);
    this.trace?.end();
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
    const reason = new Error(cause === 'client' ? 'The client went away' : `Timed out after ${this.timeoutMs} ms`);
    // A body nobody reads is never finished: its span ends here.
    this.trace?.failed(cause === 'client' ? 'aborted' : 'total_timeout', reason.message);
    this.trace?.end();
    this.aborter.abort(reason);
  }
}
