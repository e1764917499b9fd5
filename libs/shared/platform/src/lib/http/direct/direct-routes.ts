import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import proxyAddr from '@fastify/proxy-addr';
import type { Logger } from 'pino';
import type { TrustProxy } from '../../config/trust-proxy';
import { writeError } from '../../errors/all-exceptions.filter';
import { SluiceException } from '../../errors/sluice.exception';
import { logRequestCompleted } from '../../logging/access-log';
import type { RequestDurations } from '../../metrics/metrics';
import { runInRequestSpan, startRequestSpan } from '../../tracing/request-tracing';
import type { Tracing } from '../../tracing/tracing';
import { parseStrictJson } from '../json-body-parser';
import { findStringProblem, illFormedStringRefusal } from '../hostile-input';
import { REQUEST_ID_HEADER, requestIdFor } from '../request-id';
import { securityHeaderPairs, type HeaderPair } from '../security-headers';
import { DirectRequest, type TrustFn } from './direct-request';
import { DirectRoute, type DirectHandler, type DirectRequestEvents, type DirectSettings } from './direct-route';
import { RouteTable } from './route-table';

export interface DirectRoutesOptions {
  bodyLimitBytes: number;
  trustProxy: TrustProxy;
  /** Send Strict-Transport-Security, as helmet does with the app's options. */
  hsts: boolean;
}

/** The subset of Fastify's options its own HTTP/1 server is built from (lib/server.js, getServerInstance). */
export interface FastifyServerSettings {
  http?: ServerOptions;
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  maxRequestsPerSocket?: number;
}

/** What observes every request: the same histogram, access log and tracing as Fastify's hooks. */
export interface DirectObservers {
  durations: RequestDurations;
  accessLog: Logger;
  tracing: Tracing;
}

/** The request and its response point back to the DirectRequest, so the stream listeners below are plain functions, not closures per request. */
const DIRECT = Symbol('sluice.directRequest');
type Tagged<T> = T & { [DIRECT]?: DirectRequest };

/**
 * Routes served on the app's node:http server directly, in front of Fastify:
 * the HTTP server's request listener takes `POST` to these exact paths
 * (route-table.ts) and hands every other request to Fastify unchanged.
 * Each request gets what the app's Fastify hooks give every route (create-app.ts):
 * the request id, helmet's headers, the body limit and the strict JSON parser
 * (415, 413, invalid_json, depth and string guards), the error shape, the
 * access log line, the request histogram, a server span, the client address
 * behind trusted proxies; the drain's `Connection: close` and the wait for
 * requests in flight are the server's own, so they apply too. What it skips
 * is Fastify's per-request machinery (docs/decisions.md, issue 22).
 */
export class DirectRoutes implements DirectRequestEvents {
  private readonly table = new RouteTable<DirectRoute>();
  private readonly bodyLimitBytes: number;
  private readonly trust: TrustFn | null;
  private readonly securityHeaders: readonly HeaderPair[];
  private fallback: RequestListener | undefined;
  private server: Server | undefined;
  private settings: DirectSettings | undefined;
  private observers: DirectObservers | undefined;
  /** The server's request listener. */
  readonly listener: RequestListener = this.dispatch.bind(this);

  constructor(options: DirectRoutesOptions) {
    this.bodyLimitBytes = options.bodyLimitBytes;
    this.trust = trustFunction(options.trustProxy);
    this.securityHeaders = securityHeaderPairs(options.hsts);
  }

  /** Fastify's `serverFactory`: the HTTP/1 server Fastify builds itself, with this listener in front of `fastifyHandler`. */
  createServer(fastifyHandler: RequestListener, settings: FastifyServerSettings): Server {
    this.fallback = fastifyHandler;
    const server = createServer(settings.http ?? {}, this.listener);
    this.server ??= server;
    server.keepAliveTimeout = settings.keepAliveTimeout;
    server.requestTimeout = settings.requestTimeout;
    server.setTimeout(settings.connectionTimeout);
    if (settings.maxRequestsPerSocket !== undefined && settings.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
    return server;
  }

  /** Called once the app is built, before any route is added. */
  observeWith(observers: DirectObservers): void {
    this.observers = observers;
    this.settings = { trust: this.trust, durations: observers.durations, events: this };
  }

  /** Serves `POST path` (a plain path, no parameters) with `handler`; call before the app listens. */
  post(path: string, handler: DirectHandler): void {
    if (!this.settings) throw new Error('DirectRoutes.observeWith must be called before routes are added');
    this.table.add(path, new DirectRoute(path, handler, this.settings));
  }

  /** The route a request to `method` `url` is served by here; undefined: Fastify's. */
  routeFor(method: string | undefined, url: string | undefined): DirectRoute | undefined {
    return method === 'POST' && url !== undefined ? this.table.match(url) : undefined;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    // Once the server is closing, Fastify answers every request 503 (its return503OnClosing): these too.
    const route = this.table.size > 0 && this.server?.listening === true ? this.routeFor(req.method, req.url) : undefined;
    if (route === undefined) (this.fallback as RequestListener)(req, res);
    else this.serve(req, res, route);
  }

  private serve(req: Tagged<IncomingMessage>, res: Tagged<ServerResponse>, route: DirectRoute): void {
    const id = requestIdFor(req);
    res.setHeader(REQUEST_ID_HEADER, id);
    const headers = this.securityHeaders;
    for (let index = 0; index < headers.length; index++) res.setHeader(headers[index][0], headers[index][1]);
    const request = new DirectRequest(req, res, id, route);
    req[DIRECT] = request;
    res[DIRECT] = request;
    res.once('finish', onAnswered);
    const { tracing } = this.observers as DirectObservers;
    if (tracing.enabled) startRequestSpan(tracing, request, route.path, res);

    const refusal = this.refusalBeforeBody(request);
    if (refusal !== undefined) {
      this.fail(request, refusal);
      return;
    }
    if (req.headers['content-type'] === undefined) {
      // Only a request without a body gets here untyped (refusalBeforeBody): nothing to parse.
      void this.run(request);
      return;
    }
    req.on('data', onBodyData);
    req.on('end', onBodyEnd);
    req.on('error', onBodyError);
  }

  /** What Fastify refuses before reading a body: a body that is not JSON, a declared length over the limit. */
  private refusalBeforeBody(request: DirectRequest): SluiceException | undefined {
    const headers = request.headers;
    const contentType = headers['content-type'];
    if (contentType === undefined ? !hasNoBody(request.raw) : !isJson(contentType)) {
      return new SluiceException('unsupported_media_type', `Unsupported Media Type: ${contentType ?? 'none'}`);
    }
    if (Number(headers['content-length']) > this.bodyLimitBytes) return bodyTooLarge();
    return undefined;
  }

  /** A chunk of `request`'s body; over the limit, the rest is not read. */
  received(request: DirectRequest, chunk: Buffer): void {
    request.addChunk(chunk);
    if (request.receivedBytes <= this.bodyLimitBytes) return;
    stopReading(request.raw);
    this.fail(request, bodyTooLarge());
  }

  /** The whole body is in: parsed (or refused), then handled. */
  bodyEnded(request: DirectRequest): void {
    stopReading(request.raw);
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) !== request.receivedBytes) {
      this.fail(request, new SluiceException('bad_request', 'Request body size did not match Content-Length'));
      return;
    }
    try {
      request.body = parseStrictJson(request.bodyText());
    } catch (error) {
      this.fail(request, error);
      return;
    }
    request.chunks = undefined;
    void this.run(request);
  }

  /** The body stream failed (the client went away mid-body): answered as Fastify's parser does, a 400. */
  bodyFailed(request: DirectRequest, error: Error & { statusCode?: number }): void {
    stopReading(request.raw);
    if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
    this.fail(request, error);
  }

  /** Answered: the histogram and the access log, as Fastify's onResponse hooks do. */
  answered(request: DirectRequest): void {
    const { accessLog } = this.observers as DirectObservers;
    const status = request.response.statusCode;
    const elapsedMs = request.elapsedMs();
    request.route.observe(status, elapsedMs / 1000);
    logRequestCompleted(accessLog, request, request.route.path, status, elapsedMs);
  }

  private async run(request: DirectRequest): Promise<void> {
    const { tracing } = this.observers as DirectObservers;
    try {
      refuseIllFormedQuery(request.url);
      const handler = request.route.handler;
      await (tracing.enabled ? runInRequestSpan(tracing, request, () => handler.handle(request)) : handler.handle(request));
    } catch (error) {
      this.fail(request, error);
    }
  }

  private fail(request: DirectRequest, error: unknown): void {
    const code = writeError(error, request.id, request.response);
    request.route.handler.failed?.(code, request);
  }
}

function onBodyData(this: Tagged<IncomingMessage>, chunk: Buffer): void {
  const request = this[DIRECT] as DirectRequest;
  request.route.events.received(request, chunk);
}

function onBodyEnd(this: Tagged<IncomingMessage>): void {
  const request = this[DIRECT] as DirectRequest;
  request.route.events.bodyEnded(request);
}

function onBodyError(this: Tagged<IncomingMessage>, error: Error): void {
  const request = this[DIRECT] as DirectRequest;
  request.route.events.bodyFailed(request, error);
}

function onAnswered(this: Tagged<ServerResponse>): void {
  const request = this[DIRECT] as DirectRequest;
  request.route.events.answered(request);
}

function stopReading(req: IncomingMessage): void {
  req.off('data', onBodyData);
  req.off('end', onBodyEnd);
  req.off('error', onBodyError);
}

/** As Fastify decides there is no body to parse: no Content-Type, no Transfer-Encoding, no length or a zero one. */
function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/** `application/json`, with or without parameters (`; charset=utf-8`), in any case: the only type the strict JSON parser takes. */
export function isJson(contentType: string): boolean {
  if (contentType === 'application/json') return true;
  const end = contentType.indexOf(';');
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase() === 'application/json';
}

/** The input guard's check of query parameters (input-guards.ts), after the body's, as Fastify's preValidation hook runs it. */
function refuseIllFormedQuery(url: string): void {
  const query = url.indexOf('?');
  if (query === -1) return;
  const found = findStringProblem(parseQuery(url.slice(query + 1)));
  if (found) throw illFormedStringRefusal(found);
}

function bodyTooLarge(): SluiceException {
  return new SluiceException('payload_too_large', 'Request body is too large');
}

/** Fastify's trustProxy setting as the function it compiles (fastify/lib/request.js), for proxy-addr. */
export function trustFunction(trustProxy: TrustProxy): TrustFn | null {
  if (trustProxy === false) return null;
  if (trustProxy === true) return trustEveryHop;
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return proxyAddr.compile([...trustProxy]);
}

function trustEveryHop(): boolean {
  return true;
}
