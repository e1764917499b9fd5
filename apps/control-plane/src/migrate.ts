import { migrateDatabase } from '@sluice/control-plane/data-access';
import { startOrExit } from '@sluice/platform';
import { loadControlPlaneConfig } from './config/control-plane.config';

/** `npm run migrate`: create the database if needed and apply pending migrations, then exit. */
void startOrExit('migrate', async () => {
  const { databaseUrl } = loadControlPlaneConfig(process.env);
  const { created, applied } = await migrateDatabase(databaseUrl);
  const database = new URL(databaseUrl).pathname.slice(1);
  if (created) process.stdout.write(`Created database ${database}\n`);
  process.stdout.write(
    applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : `Database ${database} is up to date\n`,
  );
});
