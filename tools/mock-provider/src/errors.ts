/** Error bodies in each provider's wire format, with the type each one uses for a status. */

/** The error types both providers use for the same statuses. */
const SHARED_ERROR_TYPES: Readonly<Record<number, string>> = {
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};

const ANTHROPIC_ONLY_ERROR_TYPES: Readonly<Record<number, string>> = {
  413: 'request_too_large',
  529: 'overloaded_error',
};

export function openAiErrorType(status: number): string {
  return SHARED_ERROR_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
}

export function anthropicErrorType(status: number): string {
  return (
    ANTHROPIC_ONLY_ERROR_TYPES[status] ?? SHARED_ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
  );
}

export function openAiErrorBody(status: number, message: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type: openAiErrorType(status), param, code: null } });
}

export function anthropicErrorBody(status: number, message: string): string {
  return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(status), message } });
}
