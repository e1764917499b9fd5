import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import type { Principal } from '../auth/principal';

/** What every audit event records about the request that caused it. */
export interface RequestContext {
  requestId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  principal: Principal | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The current request's context; outside a request (start-up, CLI) a system context. */
export function currentRequestContext(): RequestContext {
  return storage.getStore() ?? { requestId: null, ipAddress: null, userAgent: null, principal: null };
}

export function runWithRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/**
 * Runs each handler inside its request's context. An interceptor rather than a
 * middleware because it runs after the guards, so the principal is known.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const requestContext: RequestContext = {
      requestId: String(request.id),
      ipAddress: request.ip ?? null,
      userAgent: headerValue(request.headers['user-agent']),
      principal: request.user ?? null,
    };
    return new Observable((subscriber) => runWithRequestContext(requestContext, () => next.handle().subscribe(subscriber)));
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text.slice(0, 512) : null;
}
