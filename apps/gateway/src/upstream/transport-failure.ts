import { DestinationRefusedError } from '@sluice/auth';
import { clientGoneError, UpstreamError } from './upstream.error';

/** Where in the exchange a failure happened: before the response headers, or while reading the body. */
export type ExchangePhase = 'headers' | 'body';

/** Who cut the exchange short on purpose, if anyone. */
export type AbortCause = 'client' | 'total_timeout' | null;

/** Error codes of Node and undici that mean the connection failed or broke. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/**
 * Turns whatever undici or the network threw into an `UpstreamError`. Only a
 * failure before the headers is retryable: once the body has started, bytes
 * may already be with the client.
 */
export function transportFailure(error: unknown, phase: ExchangePhase, abortedBy: AbortCause, timeoutMs: number): UpstreamError {
  const retryable = phase === 'headers';
  const cause = error;
  if (abortedBy === 'client') return clientGoneError(cause);
  if (abortedBy === 'total_timeout') {
    return new UpstreamError({
      code: 'provider_timeout',
      kind: 'total_timeout',
      retryable,
      message: `The provider did not finish within ${timeoutMs} ms`,
      details: { timeout_ms: timeoutMs },
      cause,
    });
  }
  if (error instanceof DestinationRefusedError) {
    // Another deployment may be allowed; the address itself is for the log (the policy reported it), not the client.
    return new UpstreamError({ code: 'provider_unavailable', kind: 'destination_refused', retryable, message: 'Could not reach the provider', cause });
  }
  switch (errorCode(error)) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new UpstreamError({ code: 'provider_timeout', kind: 'connect_timeout', retryable, message: 'Timed out connecting to the provider', cause });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new UpstreamError({ code: 'provider_timeout', kind: 'headers_timeout', retryable, message: 'The provider did not start answering in time', cause });
    case 'UND_ERR_BODY_TIMEOUT':
      return new UpstreamError({ code: 'provider_timeout', kind: 'idle_timeout', retryable, message: 'The provider stopped sending in the middle of its answer', cause });
  }
  if (phase === 'body') {
    return new UpstreamError({ code: 'provider_error', kind: 'connection', retryable: false, message: 'The provider connection broke in the middle of its answer', cause });
  }
  if (CONNECTION_ERROR_CODES.has(errorCode(error) ?? '')) {
    return new UpstreamError({ code: 'provider_unavailable', kind: 'connection', retryable: true, message: 'Could not reach the provider', cause });
  }
  // Anything else (an invalid URL or header, a bug) would fail the same way on every deployment.
  return new UpstreamError({ code: 'provider_error', kind: 'connection', retryable: false, message: 'The request to the provider failed', cause });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
