import { startOrExit } from '@sluice/platform/process';
import cluster from 'node:cluster';
import { loadGatewayConfig } from './config/gateway.config';

void startOrExit('gateway', async () => {
  const config = loadGatewayConfig(process.env);
  if (config.workers > 1 && cluster.isPrimary) {
    // GATEWAY_WORKERS processes share the API port; this one serves /metrics for all and relays signals. It loads
    // none of the app (Nest, Fastify, the inference code): only the workers do (./serve-gateway, loaded below).
    const { GatewayPrimary } = await import('./cluster/gateway-primary');
    const primary = new GatewayPrimary(config);
    primary.handleSignals();
    await primary.start();
    primary.log(`AI gateway listening on http://${config.host}:${config.port} with ${config.workers} workers, metrics on port ${config.metricsPort}`);
    return;
  }
  const { serveGateway } = await import('./serve-gateway');
  await serveGateway(config);
});
