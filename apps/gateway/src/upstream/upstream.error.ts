import type { ErrorCode } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';

/** What went wrong with an upstream call, finer than the error code: for logs, metrics and tests. */
export type UpstreamFailureKind =
  /** The provider answered with an error status. */
  | 'status'
  /** No TCP/TLS connection within the connect timeout. */
  | 'connect_timeout'
  /** Connected, but no response headers within the first-byte timeout. */
  | 'headers_timeout'
  /** Headers arrived, then the body stalled longer than the idle timeout. */
  | 'idle_timeout'
  /** The deployment's `timeout_ms` elapsed before the exchange ended. */
  | 'total_timeout'
  /** Refused, reset or closed connection. */
  | 'connection'
  /** Our caller (the client) went away; nobody is waiting for an answer. */
  | 'aborted'
  /** The credential variable the catalog names is not set, or not one the gateway may read. */
  | 'not_configured'
  /** The provider's address is not public and not opened by UPSTREAM_ALLOWED_PRIVATE_CIDRS: nothing was sent. */
  | 'destination_refused';

export interface UpstreamErrorInit {
  code: ErrorCode;
  kind: UpstreamFailureKind;
  message: string;
  /** Whether another attempt (on the next deployment) may succeed: only before any byte reached the client. */
  retryable: boolean;
  upstreamStatus?: number | null;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * A failed upstream call, typed so routing can decide without knowing the
 * provider: `retryable` says whether to move on, `code` what the client sees.
 */
export class UpstreamError extends SluiceException {
  override readonly name = 'UpstreamError';
  readonly kind: UpstreamFailureKind;
  readonly retryable: boolean;
  /** The provider's HTTP status when it answered, else null. */
  readonly upstreamStatus: number | null;

  constructor(init: UpstreamErrorInit) {
    super(init.code, init.message, init.details ?? {});
    this.kind = init.kind;
    this.retryable = init.retryable;
    this.upstreamStatus = init.upstreamStatus ?? null;
    if (init.cause !== undefined) this.cause = init.cause;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

/** The client went away: nobody is waiting for an answer, so nothing is retried. */
export function clientGoneError(cause?: unknown): UpstreamError {
  return new UpstreamError({ code: 'provider_error', kind: 'aborted', retryable: false, message: 'The request was cancelled by the client', cause });
}
