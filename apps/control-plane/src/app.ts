import fastifyCookie from '@fastify/cookie';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@sluice/platform/validation';
import { AppModule, type AppModuleOptions } from './app.module';
import { acceptFormLogin } from './auth/form-login-parser';
import { keepWebhookRawBody } from './common/raw-body';
import type { ControlPlaneConfig } from './config/control-plane.config';
import { serveConsole } from './console-files';
import { setUpOpenApi } from './openapi';

const consoleServed = new WeakMap<NestFastifyApplication, boolean>();

/** Whether the app serves the console at /console/ (its CONSOLE_DIR holds a build). */
export function servesConsole(app: NestFastifyApplication): boolean {
  return consoleServed.get(app) ?? false;
}

/** The control plane, configured but not yet listening (main.ts and tests listen). */
export async function createControlPlaneApp(
  config: ControlPlaneConfig,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const app = await createHttpApp(AppModule.forRoot(config, options), {
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestTimeoutMs: config.requestTimeoutMs,
    connectionTimeoutMs: config.connectionTimeoutMs,
    metrics: { port: config.metricsPort, host: config.host },
    hsts: config.nodeEnv === 'production',
    publicBaseUrl: config.publicBaseUrl,
  });
  await app.register(fastifyCookie);
  acceptFormLogin(app.getHttpAdapter().getInstance());
  keepWebhookRawBody(app.getHttpAdapter().getInstance(), config.bodyLimitBytes);
  if (config.openApiDocs) setUpOpenApi(app);
  if (config.consoleDir !== null) consoleServed.set(app, await serveConsole(app, config.consoleDir));
  return app;
}
