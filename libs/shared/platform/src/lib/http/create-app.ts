import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { createValidationPipe } from '../errors/validation';
import { instrumentHttp, MetricsRegistry } from '../metrics/metrics';
import { useStrictJsonParser } from './json-body-parser';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

export interface HttpAppOptions {
  bodyLimitBytes: number;
  trustProxy: boolean;
}

/**
 * Builds a Nest app on Fastify with what both services share: request ids,
 * pino logging, the error shape for every failure, strict validation,
 * optional trailing slashes and request metrics. The caller only listens.
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
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
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
  useStrictJsonParser(fastify);
  instrumentHttp(fastify, app.get(MetricsRegistry));

  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  return app;
}
