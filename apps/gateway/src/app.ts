import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpAppWithoutDtos } from '@sluice/platform';
import { AppModule, type AppModuleOptions } from './app.module';
import type { GatewayConfig } from './config/gateway.config';
import { serveChatCompletions } from './chat-completions/chat-completions.routes';
import { serveMessages } from './messages/messages.routes';

export interface GatewayAppOptions extends AppModuleOptions {
  /** Serve GET /metrics on `metricsPort` (default); a cluster worker does not: its primary serves every worker's. */
  serveMetrics?: boolean;
}

/** The gateway, configured but not yet listening (main.ts and tests listen). */
export async function createGatewayApp(config: GatewayConfig, { serveMetrics = true, ...options }: GatewayAppOptions = {}): Promise<NestFastifyApplication> {
  const app = await createHttpAppWithoutDtos(AppModule.forRoot(config, options), {
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestTimeoutMs: config.requestTimeoutMs,
    connectionTimeoutMs: config.connectionTimeoutMs,
    metrics: serveMetrics ? { port: config.metricsPort, host: config.host } : undefined,
    hsts: config.nodeEnv === 'production',
  });
  serveChatCompletions(app);
  serveMessages(app);
  return app;
}
