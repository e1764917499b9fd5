import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { RequestListener } from 'node:http';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { ACCESS_LOGGER, useAccessLog } from '../logging/access-log';
import type { TrustProxy } from '../config/trust-proxy';
import { instrumentHttp, MetricsRegistry, requestDurations } from '../metrics/metrics';
import { MetricsServer, type MetricsListenOptions } from '../metrics/metrics-server';
import { usePublicBaseUrl } from '../pagination/pagination';
import { ShutdownHooks } from '../shutdown/shutdown-hooks';
import { ShutdownModule } from '../shutdown/shutdown.module';
import { Tracing } from '../tracing/tracing';
import { DirectRoutes, type FastifyServerSettings } from './direct/direct-routes';
import { frameworkErrorOptions, useInputGuards } from './input-guards';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';
import { securityHeaderOptions } from './security-headers';

export interface HttpAppOptions {
  bodyLimitBytes: number;
  /** Whose X-Forwarded-* headers to believe (trust-proxy.ts). */
  trustProxy: TrustProxy;
  /**
   * Longest time to receive a whole request, headers and body (Node's
   * requestTimeout: once the request is in, the response, a stream included,
   * is not bounded by it). Default 30 s.
   */
  requestTimeoutMs?: number;
  /** Longest silence on a connection before it is closed (socket idle timeout). Default 60 s. */
  connectionTimeoutMs?: number;
  /** Serve GET /metrics on this listener, opened with the app (onReady) and closed with it; none without it. */
  metrics?: MetricsListenOptions;
  /** Send Strict-Transport-Security (production: served behind TLS). */
  hsts?: boolean;
  /** Scheme, host and path prefix of absolute links (pagination); unset: relative links. */
  publicBaseUrl?: string | null;
}

/** The metrics listener of each app built here, for tests that listen on port 0. */
const metricsServers = new WeakMap<object, MetricsServer>();

/** The routes each app built here serves on node:http directly, in front of Fastify. */
const directRoutes = new WeakMap<object, DirectRoutes>();

/** Where an app built by createHttpApp adds routes served on its node:http server directly (direct/direct-routes.ts). */
export function directRoutesOf(app: NestFastifyApplication): DirectRoutes {
  const routes = directRoutes.get(app);
  if (!routes) throw new Error('Not an app built by createHttpApp');
  return routes;
}

/** Where GET /metrics of an app built by createHttpApp is served, once it listens. */
export function metricsUrlOf(app: NestFastifyApplication): string | undefined {
  const server = metricsServers.get(app);
  return server ? `${server.url}/metrics` : undefined;
}

/** Holds the app's root module next to what every app gets (the drain state and steps). */
@Module({})
class HttpAppRootModule {}

/**
 * Builds a Nest app on Fastify with what both services share: request ids,
 * pino logging, the error shape for every failure, optional trailing slashes,
 * request metrics and the drain on close. The caller only listens, and in a
 * process hands the app to GracefulShutdown. No validation pipe: an app whose
 * routes take DTOs builds it with createHttpApp (create-app.ts); the gateway,
 * whose routes take none, does not load class-validator (docs/decisions.md,
 * "Issue 22, memory, session 8").
 */
export async function createHttpAppWithoutDtos(
  rootModule: Type<unknown> | DynamicModule,
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const { bodyLimitBytes, trustProxy, requestTimeoutMs = 30_000, connectionTimeoutMs = 60_000 } = options;
  const hsts = options.hsts ?? false;
  const direct = new DirectRoutes({ bodyLimitBytes, trustProxy, hsts });
  const adapter = new FastifyAdapter({
    // Fastify's own HTTP/1 server, with the direct routes' listener in front of Fastify's.
    serverFactory: (handler: RequestListener, settings: unknown) => direct.createServer(handler, settings as FastifyServerSettings),
    bodyLimit: bodyLimitBytes,
    trustProxy: typeof trustProxy === 'object' ? [...trustProxy] : trustProxy,
    requestTimeout: requestTimeoutMs,
    connectionTimeout: connectionTimeoutMs,
    http: {
      // Node enforces the longer of the two deadlines on a whole request, so the headers' must not exceed it.
      headersTimeout: Math.min(requestTimeoutMs, 60_000),
      // Node looks for requests past their deadline every 30 s by default: a trickled body would get up to that much more.
      connectionsCheckingInterval: Math.min(requestTimeoutMs, 5_000),
    },
    genReqId: requestIdFor,
    routerOptions: { ignoreTrailingSlash: true },
    ...frameworkErrorOptions,
  });
  const root: DynamicModule = { module: HttpAppRootModule, imports: [ShutdownModule, rootModule] };
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    bufferLogs: true,
    // Body parsing is ours (useStrictJsonParser), not Nest's defaults.
    bodyParser: false,
    // A module that fails to start (no database) rejects here, for the caller to report (startOrExit exits 1), rather
    // than Nest calling process.exit itself: in a test process that would end every other test with it.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    // On the raw response, so a hijacked reply (a stream) sends it too; Fastify's own headers are merged over these.
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
    done();
  });
  // Helmet's middleware built once: the Fastify plugin builds it again for every request (its options never change here).
  const setSecurityHeaders = helmet(securityHeaderOptions(hsts));
  fastify.addHook('onRequest', (request, reply, done) => setSecurityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
  useInputGuards(fastify);
  const durations = requestDurations(app.get(MetricsRegistry));
  instrumentHttp(fastify, durations);
  useAccessLog(fastify, app.get(ACCESS_LOGGER));
  direct.observeWith({ durations, accessLog: app.get(ACCESS_LOGGER), tracing: tracingOf(app) });
  directRoutes.set(app, direct);
  usePublicBaseUrl(fastify, options.publicBaseUrl ?? null);
  if (options.metrics) serveMetricsWith(app, options.metrics);

  app.useGlobalFilters(new AllExceptionsFilter());
  // Fastify runs its own close (stop listening, wait for requests in flight)
  // before the hooks added here, and Nest closes Redis and the database only
  // after Fastify: the drain steps run in between.
  const shutdownHooks = app.get(ShutdownHooks);
  fastify.addHook('onClose', async () => shutdownHooks.run());
  return app;
}

/** The app's tracing (TracingModule), or none when the app has no such module. */
function tracingOf(app: NestFastifyApplication): Tracing {
  try {
    return app.get(Tracing, { strict: false });
  } catch {
    return Tracing.disabled;
  }
}

/** The metrics listener opens when the app is ready (before it listens: a taken port fails start-up) and closes with it. */
function serveMetricsWith(app: NestFastifyApplication, listen: MetricsListenOptions): void {
  const server = new MetricsServer(app.get(MetricsRegistry));
  metricsServers.set(app, server);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onReady', async () => server.listen(listen));
  fastify.addHook('onClose', async () => server.close());
}
