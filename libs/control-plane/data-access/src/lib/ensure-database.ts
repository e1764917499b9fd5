import { Client } from 'pg';

// A concurrent CREATE DATABASE surfaces as either, depending on where it loses the race.
const ALREADY_CREATED = new Set(['42P04', '23505']);

/**
 * Creates the database a URL names when it does not exist yet, by connecting
 * to the server's `postgres` maintenance database. Safe to race: a concurrent
 * creator's win counts as success.
 */
export async function ensureDatabase(databaseUrl: string): Promise<'created' | 'exists'> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return 'exists';
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    return 'created';
  } catch (error) {
    if (ALREADY_CREATED.has((error as { code?: string }).code ?? '')) return 'exists';
    throw error;
  } finally {
    await client.end();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
