import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { ErrorCode } from '@sluice/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SluiceException } from './sluice.exception';
import { toErrorResponse } from './to-error-response';

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

/** What the filter does, for routes served on Fastify directly (the gateway's hot path); returns the answer's error code. */
export function replyWithError(exception: unknown, request: FastifyRequest, reply: FastifyReply): ErrorCode {
  const { status, body, unexpected } = toErrorResponse(exception, String(request.id));
  if (unexpected) {
    logger.error({ err: exception, requestId: request.id }, 'Unhandled error');
  }
  if (reply.sent) return body.error.code;
  if (exception instanceof SluiceException) void reply.headers(exception.headers);
  // The state store or a provider is briefly out of reach: tell clients when to retry (docs/limits.md, When Redis is down), unless a more precise value is set.
  if (body.error.code === 'service_unavailable' && !reply.hasHeader('retry-after')) void reply.header('Retry-After', SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS);
  void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  return body.error.code;
}
