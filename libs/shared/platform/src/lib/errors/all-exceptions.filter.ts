import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { ErrorCode, ErrorResponse } from '@sluice/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { SluiceException } from './sluice.exception';
import { toErrorResponse } from './to-error-response';
import { JSON_CONTENT_TYPE, writeJson } from '../http/write-json';

const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

const logger = new Logger('Errors');

/** The one exception filter of both apps: every error leaves in the contract's shape. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    replyWithError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}

/** How one failure is answered, whoever writes the answer. */
export interface ErrorAnswer {
  status: number;
  body: ErrorResponse;
  /** Headers the failure asks for (a rate limit's Retry-After), on top of those already set. */
  headers: OutgoingHttpHeaders | undefined;
}

/**
 * The answer to `exception`, logged when the failure is ours. `hasRetryAfter`:
 * whether the response already says when to retry. Both ways out below use it,
 * so Nest's filter, Fastify's routes and the routes served on node:http
 * directly (direct/direct-routes.ts) answer a failure the same way.
 */
export function errorAnswer(exception: unknown, requestId: string, hasRetryAfter: boolean): ErrorAnswer {
  const { status, body, unexpected } = toErrorResponse(exception, requestId);
  if (unexpected) {
    logger.error({ err: exception, requestId }, 'Unhandled error');
  }
  let headers: OutgoingHttpHeaders | undefined = exception instanceof SluiceException ? exception.headers : undefined;
  // The state store or a provider is briefly out of reach: tell clients when to retry (docs/limits.md, When Redis is down), unless a more precise value is set.
  if (body.error.code === 'service_unavailable' && !hasRetryAfter && !namesRetryAfter(headers)) {
    headers = { ...headers, 'Retry-After': SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS };
  }
  return { status, body, headers };
}

/** What the filter does, for routes served on Fastify directly; returns the answer's error code. */
export function replyWithError(exception: unknown, request: FastifyRequest, reply: FastifyReply): ErrorCode {
  const { status, body, headers } = errorAnswer(exception, String(request.id), reply.hasHeader('retry-after'));
  if (reply.sent) return body.error.code;
  if (headers) void reply.headers(headers);
  void reply.status(status).header('content-type', JSON_CONTENT_TYPE).send(body);
  return body.error.code;
}

/** The same answer written to a raw response (a route served on node:http directly, or a hijacked reply); returns its error code. */
export function writeError(exception: unknown, requestId: string, response: ServerResponse): ErrorCode {
  const { status, body, headers } = errorAnswer(exception, requestId, response.hasHeader('retry-after'));
  if (response.headersSent) return body.error.code;
  if (headers) for (const name in headers) response.setHeader(name, headers[name] as string | number | string[]);
  writeJson(response, status, JSON.stringify(body));
  return body.error.code;
}

function namesRetryAfter(headers: OutgoingHttpHeaders | undefined): boolean {
  return headers !== undefined && Object.keys(headers).some((name) => name.toLowerCase() === 'retry-after');
}
