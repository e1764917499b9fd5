/** Stripe's error body: `{"error": {"type", "message", "code"?, "param"?}}`. */
export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'invalid_request_error' | 'api_error' | 'idempotency_error' | 'authentication_error' | 'rate_limit_error',
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  body(): string {
    return JSON.stringify({
      error: { type: this.type, message: this.message, ...(this.code ? { code: this.code } : {}), ...(this.param ? { param: this.param } : {}) },
    });
  }
}

export function missingParam(param: string): StripeError {
  return new StripeError(400, 'invalid_request_error', `Missing required param: ${param}.`, 'parameter_missing', param);
}

export function invalidParam(param: string, message: string): StripeError {
  return new StripeError(400, 'invalid_request_error', message, 'parameter_invalid', param);
}

export function noSuch(kind: string, id: string, param: string | null = 'id'): StripeError {
  return new StripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param);
}
