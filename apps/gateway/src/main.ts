import { Logger } from '@nestjs/common';
import { GracefulShutdown, MetricsRegistry, startOrExit } from '@sluice/platform';
import cluster from 'node:cluster';
import { createGatewayApp } from './app';
import { GatewayPrimary } from './cluster/gateway-primary';
import { followPrimary } from './cluster/worker-link';
import { loadGatewayConfig } from './config/gateway.config';

void startOrExit('gateway', async () => {
  const config = loadGatewayConfig(process.env);
  if (config.workers > 1 && cluster.isPrimary) {
    // GATEWAY_WORKERS processes share the API port; this one serves /metrics for all and relays signals.
    const primary = new GatewayPrimary(config);
    primary.handleSignals();
    await primary.start();
    new Logger('Bootstrap').log(`AI gateway listening on http://${config.host}:${config.port} with ${config.workers} workers, metrics on port ${config.metricsPort}`);
    return;
  }
  const app = await createGatewayApp(config, { serveMetrics: !cluster.isWorker });
  // SIGTERM: readiness fails, then requests in flight finish and pools close (exit 0).
  const shutdown = new GracefulShutdown(app, config.shutdown);
  if (cluster.isWorker) followPrimary(shutdown, app.get(MetricsRegistry));
  else shutdown.handleSignals();
  await app.listen(config.port, config.host);
  if (!cluster.isWorker) new Logger('Bootstrap').log(`AI gateway listening on ${await app.getUrl()}, metrics on port ${config.metricsPort}`);
});
