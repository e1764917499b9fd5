import { HttpException } from '@nestjs/common';
import { errorBody, errorCodeForStatus, type ErrorResponse } from '@sluice/contracts';
import { isNativeError } from 'node:util/types';
import { SluiceException } from './sluice.exception';

export interface HttpError {
  status: number;
  body: ErrorResponse;
  /** True when the failure is ours, not the caller's: log it with its stack. */
  unexpected: boolean;
}

/**
 * Maps anything thrown while serving a request to the error shape both apps
 * answer with (docs/decisions.md, HTTP conventions).
 * Unknown errors become a 500 whose message carries only the request id.
 */
export function toErrorResponse(exception: unknown, requestId: string): HttpError {
  if (exception instanceof SluiceException) {
    const status = exception.getStatus();
    return {
      status,
      body: errorBody(exception.code, exception.message, exception.details, exception.param),
      unexpected: false,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500 && status !== 503) return internalError(requestId);
    return { status, body: fromHttpException(exception, status), unexpected: false };
  }
  if (isClientStreamError(exception)) {
    // The caller went away mid-body; nobody reads this answer, but metrics and logs should not count it as ours.
    return { status: 400, body: errorBody('bad_request', 'The request body was not received in full'), unexpected: false };
  }
  return internalError(requestId);
}

/** Fastify hands on the request stream's own error (an abort, a reset) with a 4xx `statusCode` it set. */
function isClientStreamError(exception: unknown): boolean {
  // Node creates the error, so it may come from another realm than this module's Error (as under Jest).
  if (!isNativeError(exception)) return false;
  const { statusCode, code } = exception as { statusCode?: unknown; code?: unknown };
  return statusCode === 400 && (code === 'ECONNRESET' || code === 'ECONNABORTED' || exception.message === 'aborted');
}

function fromHttpException(exception: HttpException, status: number): ErrorResponse {
  const response = exception.getResponse();
  // @nestjs/terminus reports a failed health check as a 503 carrying each check's state.
  if (status === 503 && isHealthCheckResult(response)) {
    const failing = Object.keys(response.error ?? {}).join(', ') || 'a dependency';
    return errorBody('not_ready', `Not ready: ${failing} unavailable`, { checks: response.details });
  }
  const code = errorCodeForStatus(status);
  if (status === 404 && exception.message.startsWith('Cannot ')) {
    return errorBody(code, `No route ${exception.message.slice('Cannot '.length)}`);
  }
  return errorBody(code, messageOf(response, exception.message));
}

function messageOf(response: string | object, fallback: string): string {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return fallback;
}

function isHealthCheckResult(response: unknown): response is { error?: Record<string, unknown>; details: unknown } {
  return typeof response === 'object' && response !== null && 'details' in response && 'status' in response;
}

function internalError(requestId: string): HttpError {
  return {
    status: 500,
    body: errorBody('internal_error', `Internal server error (request id ${requestId})`),
    unexpected: true,
  };
}
