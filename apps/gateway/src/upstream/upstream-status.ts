import type { ErrorCode } from '@sluice/contracts';
import type { UpstreamResponse } from './upstream-client';
import { UpstreamError } from './upstream.error';

/** Enough of an error body for its message; the rest is not read. */
const ERROR_BODY_LIMIT_BYTES = 16 * 1024;

interface StatusVerdict {
  code: ErrorCode;
  retryable: boolean;
  /** Whether the provider's message helps the client fix its request (and cannot hold a secret). */
  showMessage: boolean;
}

/**
 * How an error status of the provider reaches our client. Overload, rate
 * limits and server errors may pass on another deployment; a rejected request
 * would be rejected anywhere. 401/403/404 mean our catalog or credential is
 * wrong, which the client cannot fix: a 502, and the provider's message (it
 * may quote part of the key) stays out.
 */
export function verdictForStatus(status: number): StatusVerdict {
  switch (status) {
    case 408:
    case 504:
      return { code: 'provider_timeout', retryable: true, showMessage: false };
    case 429:
    case 503:
    case 529: // Anthropic's "overloaded"
      return { code: 'provider_unavailable', retryable: true, showMessage: false };
    case 400:
      return { code: 'bad_request', retryable: false, showMessage: true };
    case 413:
      return { code: 'payload_too_large', retryable: false, showMessage: true };
    case 422:
      return { code: 'unprocessable_entity', retryable: false, showMessage: true };
  }
  return { code: 'provider_error', retryable: status >= 500, showMessage: false };
}

/**
 * Returns a 2xx response untouched; otherwise reads the start of the error
 * body and throws the matching `UpstreamError`.
 */
export async function ensureSuccess(response: UpstreamResponse): Promise<UpstreamResponse> {
  if (response.status >= 200 && response.status < 300) return response;
  const verdict = verdictForStatus(response.status);
  const text = verdict.showMessage ? await response.body.text(ERROR_BODY_LIMIT_BYTES).catch(() => '') : '';
  if (!verdict.showMessage) await response.body.discard();
  const providerMessage = text === '' ? null : messageOfErrorBody(text);
  throw new UpstreamError({
    code: verdict.code,
    kind: 'status',
    retryable: verdict.retryable,
    upstreamStatus: response.status,
    message: providerMessage ?? `The provider answered ${response.status}`,
    details: { upstream_status: response.status },
  });
}

/** `error.message` (OpenAI, Anthropic) or `message` of a JSON error body. */
function messageOfErrorBody(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const message = body.error?.message ?? body.message;
    return typeof message === 'string' && message !== '' ? message : null;
  } catch {
    return null;
  }
}
