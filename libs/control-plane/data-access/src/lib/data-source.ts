import { DataSource, type DataSourceOptions } from 'typeorm';
import { ensureDatabase } from './ensure-database';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Name of TypeORM's bookkeeping table of applied migrations. */
export const MIGRATIONS_TABLE = 'schema_migrations';

export function dataSourceOptions(databaseUrl: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 5_000, application_name: 'sluice-control-plane' },
  };
}

/** Serialises migration runs of replicas starting together (any 64-bit constant would do). */
const MIGRATION_LOCK_KEY = '7326473911';

/**
 * Applies pending migrations and returns the names of those it applied. A
 * session-level advisory lock makes concurrent starters wait for each other
 * instead of applying the same migration twice.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}

/** True when every migration the code knows has been applied. */
export async function migrationsApplied(dataSource: DataSource): Promise<boolean> {
  return !(await dataSource.showMigrations());
}

/** Creates the database if needed and migrates it, with a short-lived connection. */
export async function migrateDatabase(databaseUrl: string): Promise<{ created: boolean; applied: string[] }> {
  const created = (await ensureDatabase(databaseUrl)) === 'created';
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, 2));
  await dataSource.initialize();
  try {
    return { created, applied: await runMigrations(dataSource) };
  } finally {
    await dataSource.destroy();
  }
}
