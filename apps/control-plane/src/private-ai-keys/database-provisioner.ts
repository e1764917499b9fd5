import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { scramSha256Verifier } from './scram-verifier';

/** Why a region's server did not do what was asked; the message names the step, never a password. */
export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
}

export type ProvisioningStep = 'checked_admin' | 'created_role' | 'created_database' | 'revoked_public' | 'checked_vector';

export interface ProvisionOptions {
  /** Called after each step, with the admin connection in use (tests stop it there to prove nothing is left behind). */
  afterStep?: (step: ProvisioningStep, admin: Client) => Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 30_000;
/** Connections one key may hold open on its database. */
const CONNECTION_LIMIT = 20;

/**
 * Creates and drops private databases on a region's PostgreSQL server
 * (docs/private-ai-keys.md), through the region's admin role: CREATEDB and
 * CREATEROLE, never a superuser (refused). Each key gets a login role and a
 * database of the same name, owned by that role, with CONNECT and TEMPORARY
 * revoked from PUBLIC; the role has no other right. Names are made by Sluice
 * (letters, digits, `_`) and still quoted; passwords reach the server only as
 * SCRAM verifiers.
 */
export class DatabaseProvisioner {
  /**
   * Creates the role and the database. On any failure it drops what this
   * call created (and only that: a database or role that already existed is
   * left alone) before throwing `ProvisioningError`.
   */
  async provision(adminUrl: string, name: string, password: string, options: ProvisionOptions = {}): Promise<{ vectorEnabled: boolean }> {
    const created = { role: false, database: false };
    let admin: Client | null = null;
    try {
      admin = await connect(adminUrl);
      await checkAdminRole(admin);
      await options.afterStep?.('checked_admin', admin);
      await admin.query(
        `CREATE ROLE ${escapeIdentifier(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT ${CONNECTION_LIMIT} PASSWORD ${escapeLiteral(scramSha256Verifier(password))}`,
      );
      created.role = true;
      // The admin must be a member of the owner to create a database for it (and later to drop it).
      await admin.query(`GRANT ${escapeIdentifier(name)} TO CURRENT_USER`);
      await options.afterStep?.('created_role', admin);
      await admin.query(`CREATE DATABASE ${escapeIdentifier(name)} OWNER ${escapeIdentifier(name)}`);
      created.database = true;
      await options.afterStep?.('created_database', admin);
      await admin.query(`REVOKE ALL ON DATABASE ${escapeIdentifier(name)} FROM PUBLIC`);
      await options.afterStep?.('revoked_public', admin);
      const vectorEnabled = await enableVector(adminUrl, name);
      await options.afterStep?.('checked_vector', admin);
      return { vectorEnabled };
    } catch (error) {
      await this.dropCreated(adminUrl, name, created);
      throw new ProvisioningError(`Creating the private database failed: ${messageOf(error)}`);
    } finally {
      await admin?.end().catch(() => undefined);
    }
  }

  /**
   * Stops the role from logging in, ends its sessions, drops the database and
   * the role. Idempotent: whatever is already gone is skipped.
   */
  async teardown(adminUrl: string, name: string): Promise<void> {
    const admin = await connect(adminUrl).catch((error: unknown) => {
      throw new ProvisioningError(`Dropping the private database failed: ${messageOf(error)}`);
    });
    try {
      const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      if (role.rowCount) {
        await admin.query(`ALTER ROLE ${escapeIdentifier(name)} NOLOGIN`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [name]);
      }
      await admin.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${escapeIdentifier(name)}`);
    } catch (error) {
      throw new ProvisioningError(`Dropping the private database failed: ${messageOf(error)}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  async setPassword(adminUrl: string, name: string, password: string): Promise<void> {
    const admin = await connect(adminUrl).catch((error: unknown) => {
      throw new ProvisioningError(`Changing the password failed: ${messageOf(error)}`);
    });
    try {
      await admin.query(`ALTER ROLE ${escapeIdentifier(name)} PASSWORD ${escapeLiteral(scramSha256Verifier(password))}`);
    } catch (error) {
      throw new ProvisioningError(`Changing the password failed: ${messageOf(error)}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  /** Bytes on disk of each named database that exists (`pg_database_size`). */
  async sizes(adminUrl: string, names: readonly string[]): Promise<Map<string, number>> {
    const admin = await connect(adminUrl);
    try {
      const { rows } = await admin.query<{ datname: string; bytes: string }>(
        'SELECT datname, pg_database_size(datname)::text AS bytes FROM pg_database WHERE datname = ANY($1::text[])',
        [names],
      );
      return new Map(rows.map((row) => [row.datname, Number(row.bytes)]));
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  /** Databases and roles on the server whose names start with `<prefix>_`. */
  async namesWithPrefix(adminUrl: string, prefix: string): Promise<string[]> {
    const admin = await connect(adminUrl);
    try {
      const pattern = `${prefix.replace(/[\\_%]/g, (char) => `\\${char}`)}\\_%`;
      const { rows } = await admin.query<{ name: string }>(
        'SELECT datname AS name FROM pg_database WHERE datname LIKE $1 UNION SELECT rolname FROM pg_roles WHERE rolname LIKE $1',
        [pattern],
      );
      return rows.map((row) => row.name);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  private async dropCreated(adminUrl: string, name: string, created: { role: boolean; database: boolean }): Promise<void> {
    if (!created.role && !created.database) return;
    try {
      const admin = await connect(adminUrl);
      try {
        if (created.database) await admin.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
        if (created.role) await admin.query(`DROP ROLE IF EXISTS ${escapeIdentifier(name)}`);
      } finally {
        await admin.end().catch(() => undefined);
      }
    } catch {
      // The clean-up job finds what is left: the name carries its creation time and no key claims it.
    }
  }
}

async function connect(connectionString: string, database?: string): Promise<Client> {
  const client = new Client({
    connectionString: database ? withDatabase(connectionString, database) : connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'sluice-private-ai-keys',
  });
  // A connection killed between statements must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The same server and credentials, another database (pg lets the URL win over a separate `database` option). */
function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** A superuser admin role could be turned against every database on the server: refused. */
async function checkAdminRole(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(
    'SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user',
  );
  const role = rows[0];
  if (!role) throw new ProvisioningError('the admin role is unknown to the server');
  if (role.rolsuper) throw new ProvisioningError('the region admin role is a superuser; give it CREATEDB and CREATEROLE only');
  if (!role.rolcreatedb || !role.rolcreaterole) throw new ProvisioningError('the region admin role needs CREATEDB and CREATEROLE');
}

/** `CREATE EXTENSION vector` in the new database when the server offers it; false when it does not or refuses. */
async function enableVector(adminUrl: string, database: string): Promise<boolean> {
  const client = await connect(adminUrl, database);
  try {
    // Older servers let PUBLIC create in `public`; only the owner may.
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    const available = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    if (!available.rowCount) return false;
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      return true;
    } catch {
      return false;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
