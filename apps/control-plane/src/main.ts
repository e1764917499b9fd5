import { Logger } from '@nestjs/common';
import { migrateDatabase } from '@sluice/control-plane/data-access';
import { GracefulShutdown, startOrExit } from '@sluice/platform';
import { createControlPlaneApp } from './app';
import { loadControlPlaneConfig } from './config/control-plane.config';

void startOrExit('control-plane', async () => {
  const config = loadControlPlaneConfig(process.env);
  if (config.migrateOnStart) await migrateDatabase(config.databaseUrl);
  const app = await createControlPlaneApp(config);
  // SIGTERM: readiness fails, then requests in flight finish and pools close (exit 0).
  new GracefulShutdown(app, config.shutdown).handleSignals();
  await app.listen(config.port, config.host);
  const docs = config.openApiDocs ? ' (API docs at /docs)' : '';
  new Logger('Bootstrap').log(`Control plane listening on ${await app.getUrl()}${docs}, metrics on port ${config.metricsPort}`);
});
