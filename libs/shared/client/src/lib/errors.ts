import type { components } from '../generated/schema';

/** The `error` object of every failed answer of the control plane (and the gateway). */
export type ApiErrorBody = components['schemas']['ErrorBodyDto'];
export type ApiErrorCode = ApiErrorBody['code'];

/** A failed call, as the API words it: `code`, `message`, and `param` naming the field at fault (if any). */
export class SluiceApiError extends Error {
  override readonly name = 'SluiceApiError';

  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }

  get code(): ApiErrorCode {
    return this.body.code;
  }

  /** The request field the error is about (`email`, `limits.rpm`), or null. */
  get param(): string | null {
    return this.body.param ?? null;
  }

  /**
   * Messages per request field (`email`, `limits.rpm`): a validation error
   * lists them in `details` (`{ "email": ["must be an email"] }`), other errors
   * name at most one field in `param`.
   */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.code === 'validation_error' && this.body.details && typeof this.body.details === 'object') {
      for (const [field, messages] of Object.entries(this.body.details as Record<string, unknown>)) {
        if (Array.isArray(messages)) {
          const text = messages.filter((message): message is string => typeof message === 'string').join('; ');
          if (text) out[field] = text;
        }
      }
    }
    if (this.param && !out[this.param]) out[this.param] = this.message;
    return out;
  }
}

/** Whether a parsed body is in the API's error shape. */
export function isErrorResponse(body: unknown): body is { error: ApiErrorBody } {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as ApiErrorBody).code === 'string' && typeof (error as ApiErrorBody).message === 'string';
}

/** The error for a failed answer: its own words when in the error shape, else a generic one with the HTTP status. */
export function toApiError(status: number, body: unknown): SluiceApiError {
  if (isErrorResponse(body)) return new SluiceApiError(status, body.error);
  return new SluiceApiError(status, {
    code: status >= 500 ? 'internal_error' : 'bad_request',
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    message: `The server answered ${status} without an error body`,
    param: null,
    details: {},
  });
}
