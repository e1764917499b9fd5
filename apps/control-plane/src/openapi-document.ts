import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ShutdownModule } from '@sluice/platform';
import { AppModule } from './app.module';
import { loadControlPlaneConfig } from './config/control-plane.config';
import { buildOpenApiDocument } from './openapi';

@Module({})
class DocumentRootModule {}

async function main() {
  const config = loadControlPlaneConfig({ ...process.env, NODE_ENV: 'development' });
  const app = await NestFactory.create<NestFastifyApplication>({ module: DocumentRootModule, imports: [ShutdownModule, AppModule.forRoot(config)] }, new FastifyAdapter(), { preview: true, logger: false, abortOnError: false });
  const document = buildOpenApiDocument(app);
  process.stdout.write(JSON.stringify(document));
  await app.close();
}
void main();
