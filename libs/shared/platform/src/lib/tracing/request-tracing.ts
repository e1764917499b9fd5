import { SpanStatusCode, type Context } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { IncomingHeaders, Tracing } from './tracing';

const REQUEST_CONTEXT = Symbol('sluice.traceContext');

type TracedRequest = object & { [REQUEST_CONTEXT]?: Context };

/** What a server span reads of a request (Fastify's, or one served on node:http directly). */
export interface SpanRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHeaders;
}

/** Probes and scrapes, every few seconds from every pod: noise in a trace store. */
function isUntraced(route: string | undefined): boolean {
  return route === '/metrics' || route === '/health' || (route?.startsWith('/health/') ?? false);
}

/**
 * A server span per request on every route of `fastify` (Nest's and plain
 * Fastify routes alike), continuing an incoming `traceparent`: started when
 * the request arrives, active from the handlers on (so client spans started
 * while handling it are its children), ended when the response closes.
 * Health probes and `/metrics` scrapes are not traced. Installs nothing
 * when tracing is off.
 */
export function traceRequests(fastify: FastifyInstance, tracing: Tracing): void {
  if (!tracing.enabled) return;
  fastify.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (!isUntraced(route)) startRequestSpan(tracing, request, route, reply.raw);
    done();
  });
  // Body parsing runs on the socket's callbacks, outside any context set in
  // onRequest; from preHandler on, the hooks and the handler run inside the
  // `done` call below, or in continuations of it.
  fastify.addHook('preHandler', (request, _reply, done) => {
    runInRequestSpan(tracing, request, done);
  });
}

/**
 * Starts `request`'s server span, ended (with the status code) when its
 * response closes, finished or cut. The hooks of `traceRequests` call it; a
 * route served outside the app's Fastify instance (direct/direct-routes.ts)
 * calls it first thing, then handles the request inside `runInRequestSpan`.
 */
export function startRequestSpan(tracing: Tracing, request: SpanRequest, route: string | undefined, response: ServerResponse): void {
  const path = request.url.split('?', 1)[0];
  const { span, context } = tracing.startServerSpan(route ? `${request.method} ${route}` : request.method, request.headers, {
    'http.request.method': request.method,
    'url.path': path,
    ...(route ? { 'http.route': route } : {}),
    'sluice.request_id': request.id,
  });
  (request as TracedRequest)[REQUEST_CONTEXT] = context;
  response.once('close', () => {
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    if (!response.writableFinished) span.setAttribute('error.type', 'response_not_finished');
    span.end();
  });
}

/** Runs `fn` with `request`'s server span active; as it is without one. */
export function runInRequestSpan<T>(tracing: Tracing, request: object, fn: () => T): T {
  const context = (request as TracedRequest)[REQUEST_CONTEXT];
  return context ? tracing.runIn(context, fn) : fn();
}
