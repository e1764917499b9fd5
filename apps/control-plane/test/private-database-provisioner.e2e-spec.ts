import { escapeIdentifier, escapeLiteral } from 'pg';
import { newDatabaseName, newDatabasePassword } from '../src/private-ai-keys/database-names';
import { DatabaseProvisioner, ProvisioningError } from '../src/private-ai-keys/database-provisioner';
import { scramSha256Verifier } from '../src/private-ai-keys/scram-verifier';
import { startRegionDatabaseServer, type RegionDatabaseServer } from './region-database-server';

/** The provisioner against the local PostgreSQL through a CREATEDB CREATEROLE admin role (docs/private-ai-keys.md). */
describe('private database provisioner', () => {
  const provisioner = new DatabaseProvisioner();
  let server: RegionDatabaseServer;

  beforeAll(async () => {
    server = await startRegionDatabaseServer();
  });
  afterAll(async () => {
    await server?.drop();
  });

  it('creates a role and a database it owns, with CONNECT revoked from PUBLIC and no other right', async () => {
    const name = newDatabaseName(server.prefix);
    const result = await provisioner.provision(server.adminUrl, name, newDatabasePassword());
    const su = await server.superuser();
    try {
      const database = await su.query(
        `SELECT pg_get_userbyid(datdba) AS owner, has_database_privilege('public', datname, 'CONNECT') AS public_connect FROM pg_database WHERE datname = $1`,
        [name],
      );
      expect(database.rows[0]).toEqual({ owner: name, public_connect: false });
      const role = await su.query('SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1', [name]);
      expect(role.rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolcanlogin: true });
      const memberships = await su.query('SELECT count(*)::int AS n FROM pg_auth_members WHERE member = (SELECT oid FROM pg_roles WHERE rolname = $1)', [name]);
      expect(memberships.rows[0].n).toBe(0);
      const vector = await su.query("SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'vector'");
      expect(result.vectorEnabled).toBe(vector.rows[0].n > 0);
    } finally {
      await su.end();
    }
  });

  it('never sends the password itself: the server stores a SCRAM verifier the password logs in with', async () => {
    const name = newDatabaseName(server.prefix);
    const password = newDatabasePassword();
    await provisioner.provision(server.adminUrl, name, password);
    const su = await server.superuser();
    try {
      const { rows } = await su.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [name]);
      expect(rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
      expect(rows[0].rolpassword).not.toContain(password);
    } finally {
      await su.end();
    }
    const own = await server.connectAs(name, password, name);
    await own.query('CREATE TABLE notes (id int)');
    await own.end();
  });

  it('computes the verifier PostgreSQL itself computes for the same password and salt', async () => {
    const role = `${server.prefix}_scram_check`;
    const password = newDatabasePassword();
    const su = await server.superuser();
    try {
      await su.query("SET password_encryption = 'scram-sha-256'");
      await su.query(`CREATE ROLE ${escapeIdentifier(role)} PASSWORD ${escapeLiteral(password)}`);
      const stored = (await su.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])).rows[0].rolpassword as string;
      const salt = Buffer.from(stored.split('$')[1].split(':')[1], 'base64');
      expect(scramSha256Verifier(password, salt)).toBe(stored);
      await su.query(`DROP ROLE ${escapeIdentifier(role)}`);
    } finally {
      await su.end();
    }
  });

  it('refuses a superuser admin role before creating anything', async () => {
    const name = newDatabaseName(server.prefix);
    const su = await server.superuser();
    const { rows } = await su.query<{ name: string }>('SELECT current_user AS name');
    await su.end();
    const url = `postgres://${rows[0].name}@${server.host}:${server.port}/postgres`;
    await expect(provisioner.provision(url, name, newDatabasePassword())).rejects.toThrow(/superuser/);
    expect(await server.roleExists(name)).toBe(false);
  });

  it.each(['checked_admin', 'created_role', 'created_database'] as const)('leaves nothing behind when its connection is stopped after %s', async (step) => {
    const name = newDatabaseName(server.prefix);
    const su = await server.superuser();
    try {
      const attempt = provisioner.provision(server.adminUrl, name, newDatabasePassword(), {
        afterStep: async (reached, admin) => {
          if (reached !== step) return;
          await su.query('SELECT pg_terminate_backend($1)', [(admin as unknown as { processID: number }).processID]);
        },
      });
      await expect(attempt).rejects.toThrow(ProvisioningError);
    } finally {
      await su.end();
    }
    expect(await server.databaseExists(name)).toBe(false);
    expect(await server.roleExists(name)).toBe(false);
  });

  it('leaves a database whose name is already taken alone, and drops the role it made', async () => {
    const name = newDatabaseName(server.prefix);
    const su = await server.superuser();
    try {
      await su.query(`CREATE DATABASE ${escapeIdentifier(name)}`);
    } finally {
      await su.end();
    }
    await expect(provisioner.provision(server.adminUrl, name, newDatabasePassword())).rejects.toThrow(/already exists/);
    expect(await server.databaseExists(name)).toBe(true);
    expect(await server.roleExists(name)).toBe(false);
  });

  it('answers ProvisioningError when the server is down, and creates nothing', async () => {
    const down = server.adminUrl.replace(`:${server.port}/`, ':1/');
    await expect(provisioner.provision(down, newDatabaseName(server.prefix), newDatabasePassword())).rejects.toThrow(ProvisioningError);
  });

  it('tears down idempotently, ending the role’s open sessions first', async () => {
    const name = newDatabaseName(server.prefix);
    const password = newDatabasePassword();
    await provisioner.provision(server.adminUrl, name, password);
    const session = await server.connectAs(name, password, name);
    const ended = new Promise<void>((resolve) => session.on('end', () => resolve()));
    await provisioner.teardown(server.adminUrl, name);
    await ended;
    expect(await server.databaseExists(name)).toBe(false);
    expect(await server.roleExists(name)).toBe(false);
    await expect(provisioner.teardown(server.adminUrl, name)).resolves.toBeUndefined();
  });

  it('changes the password and measures the size', async () => {
    const name = newDatabaseName(server.prefix);
    await provisioner.provision(server.adminUrl, name, newDatabasePassword());
    const next = newDatabasePassword();
    await provisioner.setPassword(server.adminUrl, name, next);
    const su = await server.superuser();
    try {
      const { rows } = await su.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [name]);
      expect(rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$/);
    } finally {
      await su.end();
    }
    const sizes = await provisioner.sizes(server.adminUrl, [name, `${server.prefix}_missing`]);
    expect(sizes.get(name)).toBeGreaterThan(1_000_000);
    expect(sizes.has(`${server.prefix}_missing`)).toBe(false);
    expect(await provisioner.namesWithPrefix(server.adminUrl, server.prefix)).toContain(name);
  });
});
