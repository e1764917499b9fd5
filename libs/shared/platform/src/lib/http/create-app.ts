import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createValidationPipe } from '../errors/validation';
import { createHttpAppWithoutDtos, type HttpAppOptions } from './http-app';

export { directRoutesOf, metricsUrlOf, type HttpAppOptions } from './http-app';

/** createHttpAppWithoutDtos (http-app.ts) with strict validation of every DTO (errors/validation.ts). */
export async function createHttpApp(rootModule: Type<unknown> | DynamicModule, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const app = await createHttpAppWithoutDtos(rootModule, options);
  app.useGlobalPipes(createValidationPipe());
  return app;
}
