import { Client } from 'pg';
import { randomSuffix, testRunId } from './run-id';

/** The server tests use; the database name in it is replaced per test file. */
export const TEST_POSTGRES_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const TEMPLATE_VARIABLE = 'SLUICE_TEST_TEMPLATE_DATABASE';
const TEST_DATABASE_PREFIX = 'sluice_t_';
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

export function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withMaintenanceClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates the run's template database and lets `migrate` bring it to the
 * current schema; each test file then copies it in milliseconds. Call from
 * Jest's global setup; the projects of one run share the template (the first
 * setup creates it, the others find it).
 */
export async function prepareTemplateDatabase(migrate: (url: string) => Promise<unknown>): Promise<string> {
  const name = `${TEST_DATABASE_PREFIX}${testRunId()}_template`;
  if (process.env[TEMPLATE_VARIABLE] === name) return name;
  await dropStaleTestDatabases();
  await withMaintenanceClient((client) => client.query(`CREATE DATABASE ${name}`));
  await migrate(databaseUrl(name));
  process.env[TEMPLATE_VARIABLE] = name;
  return name;
}

/** A fresh, migrated database of its own for one test file. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const template = process.env[TEMPLATE_VARIABLE];
  if (!template) throw new Error(`${TEMPLATE_VARIABLE} is unset: the Jest project needs the global setup that prepares it`);
  const name = `${TEST_DATABASE_PREFIX}${testRunId()}_${randomSuffix()}`;
  await withMaintenanceClient((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  return { name, url: databaseUrl(name), drop: () => dropDatabase(name) };
}

export async function dropDatabase(name: string): Promise<void> {
  await withMaintenanceClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Removes every database of this run. Call from Jest's global teardown. */
export async function dropRunDatabases(): Promise<void> {
  await dropTestDatabases((name) => name.startsWith(`${TEST_DATABASE_PREFIX}${testRunId()}_`));
}

/** Databases left by runs that crashed more than a day ago; never another live run's. */
async function dropStaleTestDatabases(): Promise<void> {
  const now = Date.now();
  await dropTestDatabases((name) => {
    const stamp = /^sluice_t_(\d{12})_/.exec(name)?.[1];
    if (!stamp) return false;
    const created = Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8, 10), +stamp.slice(10, 12));
    return now - created > STALE_AFTER_MS;
  });
}

async function dropTestDatabases(select: (name: string) => boolean): Promise<void> {
  const names = await withMaintenanceClient(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'sluice\\_t\\_%' ORDER BY datname DESC",
    );
    return rows.map((row) => row.datname).filter(select);
  });
  // Copies before their template: a template cannot be dropped while copied from.
  for (const name of names) await dropDatabase(name);
}
