/**
 * The error contract shared by both services (docs/decisions.md, HTTP conventions): every failure,
 * whatever produced it, is answered as `{ "error": ErrorBody }`.
 */
export interface ErrorBody {
  /** Stable machine word, one of {@link ErrorCode}. */
  code: ErrorCode;
  message: string;
  /** OpenAI/Anthropic-style error family, so their SDKs parse our errors. */
  type: ErrorType;
  /** The offending parameter where there is exactly one, else null. */
  param: string | null;
  /** Validation errors: field path → messages. Otherwise free-form context. */
  details: Record<string, unknown>;
}

export interface ErrorResponse {
  error: ErrorBody;
}

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'billing_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'server_error';

/** Every code either service may answer with, and the status and type it carries. */
export const ERROR_CATALOG = {
  // Request shape
  validation_error: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  bad_request: { status: 400, type: 'invalid_request_error' },
  tenant_required: { status: 400, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  invalid_signature: { status: 400, type: 'invalid_request_error' },
  url_not_allowed: { status: 400, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  unprocessable_entity: { status: 422, type: 'invalid_request_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'not_found_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'conflict_error' },
  gone: { status: 410, type: 'invalid_request_error' },
  user_limit_reached: { status: 409, type: 'conflict_error' },
  key_limit_reached: { status: 409, type: 'conflict_error' },
  // Authentication and authorisation
  unauthorized: { status: 401, type: 'authentication_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  key_expired: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  tenant_mismatch: { status: 403, type: 'permission_error' },
  tenant_suspended: { status: 403, type: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  ip_not_allowed: { status: 403, type: 'permission_error' },
  origin_not_allowed: { status: 403, type: 'permission_error' },
  region_unavailable: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'not_found_error' },
  // Money and limits
  insufficient_credits: { status: 402, type: 'billing_error' },
  billing_not_configured: { status: 503, type: 'billing_error' },
  payment_provider_error: { status: 502, type: 'api_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  quota_exceeded: { status: 429, type: 'rate_limit_error' },
  concurrency_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  // Upstream and platform
  provider_error: { status: 502, type: 'api_error' },
  provider_unavailable: { status: 503, type: 'api_error' },
  provider_not_configured: { status: 503, type: 'api_error' },
  provider_timeout: { status: 504, type: 'api_error' },
  service_unavailable: { status: 503, type: 'server_error' },
  mail_not_configured: { status: 503, type: 'server_error' },
  not_ready: { status: 503, type: 'server_error' },
  internal_error: { status: 500, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: ErrorType }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOG, value);
}

/** The generic code for an HTTP status, for errors raised without a code of ours. */
export function errorCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 402:
      return 'insufficient_credits';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 408:
      return 'request_timeout';
    case 409:
      return 'conflict';
    case 410:
      return 'gone';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 422:
      return 'unprocessable_entity';
    case 429:
      return 'rate_limit_exceeded';
    case 431:
      return 'headers_too_large';
    case 502:
      return 'provider_error';
    case 503:
      return 'service_unavailable';
    case 504:
      return 'provider_timeout';
    default:
      return status >= 500 ? 'internal_error' : 'bad_request';
  }
}

export function errorBody(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  param: string | null = null,
): ErrorResponse {
  return { error: { code, message, type: ERROR_CATALOG[code].type, param, details } };
}
