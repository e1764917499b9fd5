import type { ErrorCode } from '@sluice/contracts';
import type { MappedError, NormalizedEvent } from './types';

/** An upstream answer that is not what its provider's API promises (malformed JSON, missing fields). */
export class ProviderResponseError extends Error {
  override readonly name = 'ProviderResponseError';
  readonly code: ErrorCode = 'provider_error';
}

const MAX_UPSTREAM_MESSAGE = 500;

/**
 * Maps an upstream error status. Only errors the client caused (400, 413,
 * 422) pass the provider's message on; for the rest the message names the
 * status alone, since an upstream 401 or 404 describes our credential or
 * deployment, not the client's request.
 */
export function mapUpstreamStatus(status: number, upstreamMessage: string | undefined): MappedError {
  switch (status) {
    case 400:
    case 422:
      return { code: 'bad_request', message: clientMessage(upstreamMessage, status), retryable: false };
    case 413:
      return { code: 'payload_too_large', message: clientMessage(upstreamMessage, status), retryable: false };
    case 408:
    case 504:
      return { code: 'provider_timeout', message: `The provider timed out (HTTP ${status})`, retryable: true };
    case 429:
      return { code: 'rate_limit_exceeded', message: 'The provider is rate limiting requests (HTTP 429)', retryable: true };
    case 503:
    case 529:
      return { code: 'provider_unavailable', message: `The provider is unavailable (HTTP ${status})`, retryable: true };
    default:
      return { code: 'provider_error', message: `The provider answered HTTP ${status}`, retryable: status >= 500 };
  }
}

/** The code for an error a provider sends inside a stream, by its `type`. */
export function codeForStreamErrorType(type: string | null | undefined): ErrorCode {
  switch (type) {
    case 'rate_limit_error':
    case 'rate_limit_exceeded':
      return 'rate_limit_exceeded';
    case 'overloaded_error':
      return 'provider_unavailable';
    case 'timeout_error':
      return 'provider_timeout';
    default:
      return 'provider_error';
  }
}

export function malformedFrameEvent(provider: string): NormalizedEvent {
  return { type: 'error', code: 'provider_error', message: `The ${provider} stream sent a malformed event` };
}

/** Parses an error body once; anything that is not a JSON object yields undefined. */
export function parseErrorJson(bodyText: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(bodyText);
    return isRecord(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clientMessage(upstreamMessage: string | undefined, status: number): string {
  if (upstreamMessage === undefined || upstreamMessage === '') return `The provider rejected the request (HTTP ${status})`;
  return upstreamMessage.length > MAX_UPSTREAM_MESSAGE ? `${upstreamMessage.slice(0, MAX_UPSTREAM_MESSAGE)}…` : upstreamMessage;
}
