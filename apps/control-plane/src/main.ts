import { Logger } from '@nestjs/common';
import { migrateDatabase } from '@sluice/control-plane/data-access';
import { GracefulShutdown, startOrExit } from '@sluice/platform';
import { join } from 'node:path';
import { createControlPlaneApp, servesConsole } from './app';
import { loadControlPlaneConfig } from './config/control-plane.config';

void startOrExit('control-plane', async () => {
  const loaded = loadControlPlaneConfig(process.env);
  // The build puts the console next to the control plane (dist/apps/console); CONSOLE_DIR points elsewhere.
  const config = { ...loaded, consoleDir: loaded.consoleDir ?? join(__dirname, '../console') };
  if (config.migrateOnStart) await migrateDatabase(config.databaseUrl);
  const app = await createControlPlaneApp(config);
  // SIGTERM: readiness fails, then requests in flight finish and pools close (exit 0).
  new GracefulShutdown(app, config.shutdown).handleSignals();
  await app.listen(config.port, config.host);
  const docs = config.openApiDocs ? ' (API docs at /docs)' : '';
  const url = await app.getUrl();
  const logger = new Logger('Bootstrap');
  logger.log(`Control plane listening on ${url}${docs}, metrics on port ${config.metricsPort}`);
  if (servesConsole(app)) logger.log(`Console at ${url}/console/`);
  else logger.log(`No console build in ${config.consoleDir}: /console/ is not served (nx build console)`);
});
