import { Logger } from '@nestjs/common';
import { GracefulShutdown, MetricsRegistry } from '@sluice/platform';
import cluster from 'node:cluster';
import { createGatewayApp } from './app';
import { followPrimary } from './cluster/worker-link';
import type { GatewayConfig } from './config/gateway.config';

/** The gateway serving from this process: alone, or as one of the cluster primary's workers. */
export async function serveGateway(config: GatewayConfig): Promise<void> {
  const app = await createGatewayApp(config, { serveMetrics: !cluster.isWorker });
  // SIGTERM: readiness fails, then requests in flight finish and pools close (exit 0).
  const shutdown = new GracefulShutdown(app, config.shutdown);
  if (cluster.isWorker) followPrimary(shutdown, app.get(MetricsRegistry));
  else shutdown.handleSignals();
  await app.listen(config.port, config.host);
  if (!cluster.isWorker) new Logger('Bootstrap').log(`AI gateway listening on ${await app.getUrl()}, metrics on port ${config.metricsPort}`);
}
