import { randomBytes } from 'node:crypto';
import { databaseUrl, TEST_POSTGRES_URL } from '@sluice/testing';
import { Client, escapeIdentifier } from 'pg';

/**
 * The local PostgreSQL as a region's database server, for one test file: an
 * admin role of its own (CREATEDB CREATEROLE, not a superuser, as an
 * operator would grant) and a name prefix of its own, so `drop` removes only
 * what this file made.
 */
export interface RegionDatabaseServer {
  prefix: string;
  adminRole: string;
  adminUrl: string;
  host: string;
  port: number;
  /** A superuser connection to `database` (default `postgres`), for checks a key holder cannot make. */
  superuser(database?: string): Promise<Client>;
  /** A connection as `role` (trust authentication locally: the password is sent but not what admits it). */
  connectAs(role: string, password: string, database: string): Promise<Client>;
  databaseExists(name: string): Promise<boolean>;
  roleExists(name: string): Promise<boolean>;
  drop(): Promise<void>;
}

export async function startRegionDatabaseServer(): Promise<RegionDatabaseServer> {
  const prefix = `pkt_${randomBytes(4).toString('hex')}`;
  const adminRole = `${prefix}_admin`;
  const password = randomBytes(12).toString('hex');
  const base = new URL(TEST_POSTGRES_URL);
  const host = base.hostname;
  const port = Number(base.port || 5432);
  const superuser = async (database = 'postgres') => {
    const client = new Client({ connectionString: databaseUrl(database) });
    await client.connect();
    return client;
  };
  const su = await superuser();
  try {
    await su.query(`CREATE ROLE ${escapeIdentifier(adminRole)} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '${password}'`);
  } finally {
    await su.end();
  }
  const adminUrl = `postgres://${adminRole}:${password}@${host}:${port}/postgres`;
  const exists = async (sql: string, name: string) => {
    const client = await superuser();
    try {
      return ((await client.query(sql, [name])).rowCount ?? 0) > 0;
    } finally {
      await client.end();
    }
  };
  return {
    prefix,
    adminRole,
    adminUrl,
    host,
    port,
    superuser,
    connectAs: async (role, rolePassword, database) => {
      const client = new Client({ host, port, user: role, password: rolePassword, database, connectionTimeoutMillis: 5_000 });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    databaseExists: (name) => exists('SELECT 1 FROM pg_database WHERE datname = $1', name),
    roleExists: (name) => exists('SELECT 1 FROM pg_roles WHERE rolname = $1', name),
    drop: async () => {
      const client = await superuser();
      try {
        const like = `${prefix}\\_%`;
        const databases = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [like]);
        for (const { datname } of databases.rows) await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(datname)} WITH (FORCE)`);
        const roles = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1 AND rolname <> $2', [like, adminRole]);
        for (const { rolname } of roles.rows) await client.query(`DROP ROLE IF EXISTS ${escapeIdentifier(rolname)}`);
        await client.query(`DROP ROLE IF EXISTS ${escapeIdentifier(adminRole)}`);
      } finally {
        await client.end();
      }
    },
  };
}
