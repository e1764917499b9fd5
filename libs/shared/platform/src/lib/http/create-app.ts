import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { createValidationPipe } from '../errors/validation';
import { ACCESS_LOGGER, useAccessLog } from '../logging/access-log';
import type { TrustProxy } from '../config/trust-proxy';
import { instrumentHttp, MetricsRegistry } from '../metrics/metrics';
import { MetricsServer, type MetricsListenOptions } from '../metrics/metrics-server';
import { usePublicBaseUrl } from '../pagination/pagination';
import { ShutdownHooks } from '../shutdown/shutdown-hooks';
import { ShutdownModule } from '../shutdown/shutdown.module';
import { frameworkErrorOptions, useInputGuards } from './input-guards';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

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
 * pino logging, the error shape for every failure, strict validation,
 * optional trailing slashes, request metrics and the drain on close. The
 * caller only listens, and in a process hands the app to GracefulShutdown.
 */
export async function createHttpApp(
  rootModule: Type<unknown> | DynamicModule,
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const { bodyLimitBytes, trustProxy, requestTimeoutMs = 30_000, connectionTimeoutMs = 60_000 } = options;
  const adapter = new FastifyAdapter({
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
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  // Helmet's middleware built once: the Fastify plugin builds it again for every request (its options never change here).
  const setSecurityHeaders = helmet(securityHeaders(options.hsts ?? false));
  fastify.addHook('onRequest', (request, reply, done) => setSecurityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
  useInputGuards(fastify);
  instrumentHttp(fastify, app.get(MetricsRegistry));
  useAccessLog(fastify, app.get(ACCESS_LOGGER));
  usePublicBaseUrl(fastify, options.publicBaseUrl ?? null);
  if (options.metrics) serveMetricsWith(app, options.metrics);

  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(createValidationPipe());
  // Fastify runs its own close (stop listening, wait for requests in flight)
  // before the hooks added here, and Nest closes Redis and the database only
  // after Fastify: the drain steps run in between.
  const shutdownHooks = app.get(ShutdownHooks);
  fastify.addHook('onClose', async () => shutdownHooks.run());
  return app;
}

/**
 * Headers for browsers that open an API answer or the OpenAPI page: no MIME
 * sniffing, no framing, no referrer, a CSP that lets /docs load its own
 * scripts and styles (Swagger UI inlines one style block), and HSTS only
 * where TLS is in front (upgrading plain-HTTP development would break /docs).
 */
function securityHeaders(hsts: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { frameAncestors: ["'none'"], upgradeInsecureRequests: hsts ? [] : null },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  };
}

/** The metrics listener opens when the app is ready (before it listens: a taken port fails start-up) and closes with it. */
function serveMetricsWith(app: NestFastifyApplication, listen: MetricsListenOptions): void {
  const server = new MetricsServer(app.get(MetricsRegistry));
  metricsServers.set(app, server);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onReady', async () => server.listen(listen));
  fastify.addHook('onClose', async () => server.close());
}
