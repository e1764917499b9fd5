import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@sluice/platform';
import { AppModule, type AppModuleOptions } from './app.module';
import type { GatewayConfig } from './config/gateway.config';
import { serveInferenceRoutes } from './inference/inference-routes';

/** The gateway, configured but not yet listening (main.ts and tests listen). */
export async function createGatewayApp(config: GatewayConfig, options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const app = await createHttpApp(AppModule.forRoot(config, options), {
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestTimeoutMs: config.requestTimeoutMs,
    connectionTimeoutMs: config.connectionTimeoutMs,
    metrics: { port: config.metricsPort, host: config.host },
    hsts: config.nodeEnv === 'production',
  });
  serveInferenceRoutes(app);
  return app;
}
