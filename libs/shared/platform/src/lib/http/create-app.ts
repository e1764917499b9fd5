import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { createValidationPipe } from '../errors/validation';
import { ACCESS_LOGGER, useAccessLog } from '../logging/access-log';
import { instrumentHttp, MetricsRegistry } from '../metrics/metrics';
import { ShutdownHooks } from '../shutdown/shutdown-hooks';
import { ShutdownModule } from '../shutdown/shutdown.module';
import { frameworkErrorOptions, useInputGuards } from './input-guards';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

export interface HttpAppOptions {
  bodyLimitBytes: number;
  trustProxy: boolean;
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
  { bodyLimitBytes, trustProxy }: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: bodyLimitBytes,
    trustProxy,
    genReqId: requestIdFor,
    routerOptions: { ignoreTrailingSlash: true },
    ...frameworkErrorOptions,
  });
  const root: DynamicModule = { module: HttpAppRootModule, imports: [ShutdownModule, rootModule] };
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    bufferLogs: true,
    // Body parsing is ours (useStrictJsonParser), not Nest's defaults.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  useInputGuards(fastify);
  instrumentHttp(fastify, app.get(MetricsRegistry));
  useAccessLog(fastify, app.get(ACCESS_LOGGER));

  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(createValidationPipe());
  // Fastify runs its own close (stop listening, wait for requests in flight)
  // before the hooks added here, and Nest closes Redis and the database only
  // after Fastify: the drain steps run in between.
  const shutdownHooks = app.get(ShutdownHooks);
  fastify.addHook('onClose', async () => shutdownHooks.run());
  return app;
}
