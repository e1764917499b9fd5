import { Logger } from '@nestjs/common';
import { GracefulShutdown, startOrExit } from '@sluice/platform';
import { createGatewayApp } from './app';
import { loadGatewayConfig } from './config/gateway.config';

void startOrExit('gateway', async () => {
  const config = loadGatewayConfig(process.env);
  const app = await createGatewayApp(config);
  // SIGTERM: readiness fails, then requests in flight finish and pools close (exit 0).
  new GracefulShutdown(app, config.shutdown).handleSignals();
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log(`AI gateway listening on ${await app.getUrl()}, metrics on port ${config.metricsPort}`);
});
