import { ERROR_CATALOG, errorBody, type ErrorCode } from '@sluice/contracts';
import { sseEvent } from '../sse/sse-serializer';

/**
 * An error after an OpenAI-format stream began (docs/decisions.md, Gateway:
 * streams): an `error` event carrying Sluice's error body. The OpenAI SDKs throw an `APIError` on any
 * frame whose data has an `error` member.
 */
export function openAiStreamError(code: ErrorCode, message: string): string {
  return sseEvent('error', JSON.stringify(errorBody(code, message)));
}

/** Anthropic's error types by ours; the SDKs expose `error.type`, so it must be one of theirs. */
const ANTHROPIC_ERROR_TYPES: Partial<Record<ErrorCode, string>> = {
  provider_unavailable: 'overloaded_error',
  provider_timeout: 'timeout_error',
  payload_too_large: 'request_too_large',
};

export function anthropicErrorType(code: ErrorCode): string {
  const mapped = ANTHROPIC_ERROR_TYPES[code];
  if (mapped !== undefined) return mapped;
  switch (ERROR_CATALOG[code].type) {
    case 'authentication_error':
    case 'permission_error':
    case 'not_found_error':
    case 'rate_limit_error':
    case 'billing_error':
    case 'invalid_request_error':
      return ERROR_CATALOG[code].type;
    case 'conflict_error':
      return 'invalid_request_error';
    default:
      return 'api_error';
  }
}

/** An error after an Anthropic-format stream began: Messages' own `error` event, with our code alongside. */
export function anthropicStreamError(code: ErrorCode, message: string): string {
  return sseEvent('error', JSON.stringify({ type: 'error', error: { type: anthropicErrorType(code), message, code } }));
}
