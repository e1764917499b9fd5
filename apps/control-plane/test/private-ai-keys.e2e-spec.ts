import { expectErrorShape } from '@sluice/testing';
import { Client } from 'pg';
import { newDatabaseName, newDatabasePassword } from '../src/private-ai-keys/database-names';
import { DatabaseProvisioner } from '../src/private-ai-keys/database-provisioner';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { MAINTENANCE_JOB, ORPHAN_GRACE_MS, PRIVATE_AI_KEYS_QUEUE, PrivateAiKeysMaintenance } from '../src/private-ai-keys/private-ai-keys-maintenance';
import type { Call } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { startRegionDatabaseServer, type RegionDatabaseServer } from './region-database-server';

interface PrivateKey {
  id: string;
  name: string;
  tenant: string;
  region_id: string;
  database_name: string;
  database_host: string;
  database_port: number;
  database_username: string;
  database_password: string;
  litellm_token: string;
  litellm_api_url: string;
  vector_enabled: boolean;
  status: string;
  storage_bytes: number | null;
  key_status: string;
}

const GATEWAY_PUBLIC_URL = 'https://ai.example.test';

/** Private AI keys end to end on the local PostgreSQL as the `local` region's server (docs/private-ai-keys.md). */
describe('private AI keys', () => {
  let server: RegionDatabaseServer;
  let world: IdentityWorld;
  let as: (persona: keyof IdentityWorld['tokens']) => Call;
  let sluiceDb: Client;

  beforeAll(async () => {
    server = await startRegionDatabaseServer();
    world = await startIdentityWorld({ PRIVATE_AI_KEY_DATABASE_PREFIX: server.prefix, GATEWAY_PUBLIC_URL });
    as = (persona) => (method, path, options = {}) => world.call(method, path, { token: world.tokens[persona], ...options });
    sluiceDb = new Client({ connectionString: world.app.databaseUrl });
    await sluiceDb.connect();
    const region = await as('platform_admin')<{ database: unknown }>('PATCH', '/api/regions/local/', {
      body: { database: { host: server.host, port: server.port, admin_url: server.adminUrl } },
    });
    expect(region.status).toBe(200);
    // Enterprise sets no vector_db_count: tenant A may hold as many private keys as these tests make.
    expect((await as('platform_admin')('POST', `/api/tenants/${world.tenantA.slug}/plan/`, { body: { plan: 'enterprise' } })).status).toBe(200);
  });
  afterAll(async () => {
    await sluiceDb?.end();
    await world?.app.close();
    await server?.drop();
  });

  const createKey = async (persona: keyof IdentityWorld['tokens'] = 'member', body: Record<string, unknown> = {}) => {
    const response = await as(persona)<PrivateKey>('POST', '/api/private-ai-keys/', { body: { name: 'rag', region_id: 'local', tenant: world.tenantA.id, ...body } });
    expect(response.status).toBe(201);
    return response.body;
  };
  const countRows = async (sql: string, params: unknown[] = []) => (await sluiceDb.query<{ n: number }>(sql, params)).rows[0].n;

  it('stores the region’s admin URL sealed and never shows it', async () => {
    const region = await as('viewer')<Record<string, unknown>>('GET', '/api/regions/local/');
    expect(region.body['database']).toEqual({ host: server.host, port: server.port });
    expect(JSON.stringify(region.body)).not.toContain(server.adminUrl);
    const { rows } = await sluiceDb.query("SELECT database_admin_url_sealed AS sealed FROM regions WHERE id = 'local'");
    expect(rows[0].sealed).toMatch(/^v1\./);
    expect(rows[0].sealed).not.toContain(new URL(server.adminUrl).password);
    const bad = await as('platform_admin')('PATCH', '/api/regions/local/', { body: { database: { host: server.host, port: server.port, admin_url: 'http://x' } } });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.body, 'validation_error');
  });

  it('creates the key and its database once, answering the credentials and the gateway URL', async () => {
    const key = await createKey();
    expect(key).toEqual(
      expect.objectContaining({ name: 'rag', region_id: 'local', database_host: server.host, database_port: server.port, litellm_api_url: GATEWAY_PUBLIC_URL, status: 'ready', key_status: 'active' }),
    );
    expect(key.database_name.startsWith(`${server.prefix}_`)).toBe(true);
    expect(key.database_username).toBe(key.database_name);
    expect(key.litellm_token).toMatch(/^slk_live_/);
    expect(typeof key.vector_enabled).toBe('boolean');

    const own = await server.connectAs(key.database_username, key.database_password, key.database_name);
    await own.query('CREATE TABLE documents (id serial PRIMARY KEY, body text)');
    await own.query("INSERT INTO documents (body) VALUES ('hello')");
    await own.end();

    const read = await as('viewer')<Record<string, unknown>>('GET', `/api/private-ai-keys/${key.id}/`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('database_password');
    expect(read.body).not.toHaveProperty('litellm_token');
    const list = await as('viewer')<{ results: Array<Record<string, unknown>> }>('GET', '/api/private-ai-keys/');
    expect(list.body.results.map((row) => row['id'])).toContain(key.id);
    for (const text of [JSON.stringify(read.body), JSON.stringify(list.body), world.app.logs.text]) {
      expect(text).not.toContain(key.database_password);
      expect(text).not.toContain(key.litellm_token);
    }
    const stored = await sluiceDb.query('SELECT row_to_json(k)::text AS row FROM private_ai_keys k WHERE id = $1', [key.id]);
    expect(stored.rows[0].row).not.toContain(key.database_password);
    const audit = await sluiceDb.query('SELECT payload::text AS payload FROM audit_events WHERE resource_id = $1', [key.id]);
    for (const event of audit.rows) expect(event.payload).not.toContain(key.database_password);

    expect((await as('outsider')('GET', `/api/private-ai-keys/${key.id}/`)).status).toBe(404);
  });

  it('isolates keys: A’s credentials reach neither B’s database nor Sluice’s data, and create no roles or databases', async () => {
    const a = await createKey('member');
    const b = await createKey('admin');
    await expect(server.connectAs(a.database_username, a.database_password, b.database_name)).rejects.toThrow(/permission denied for database/);

    const sluiceName = new URL(world.app.databaseUrl).pathname.slice(1);
    const intoSluice = await server.connectAs(a.database_username, a.database_password, sluiceName).catch((error: Error) => error);
    if (intoSluice instanceof Error) {
      expect(intoSluice.message).toMatch(/permission denied/);
    } else {
      // A database that still grants PUBLIC connect (as a default one does) shows A no table of Sluice's.
      await expect(intoSluice.query('SELECT * FROM api_keys')).rejects.toThrow(/permission denied/);
      await expect(intoSluice.query('SELECT * FROM private_ai_keys')).rejects.toThrow(/permission denied/);
      await intoSluice.end();
    }

    const own = await server.connectAs(a.database_username, a.database_password, a.database_name);
    try {
      await expect(own.query(`CREATE ROLE ${server.prefix}_intruder`)).rejects.toThrow(/permission denied/);
      await expect(own.query(`CREATE DATABASE ${server.prefix}_intruder`)).rejects.toThrow(/permission denied/);
      await expect(own.query(`SET ROLE ${b.database_username}`)).rejects.toThrow(/permission denied/);
    } finally {
      await own.end();
    }
    expect(await server.roleExists(`${server.prefix}_intruder`)).toBe(false);
  });

  it('rotates the database password: a new verifier on the server, the new password sealed, shown once', async () => {
    const key = await createKey();
    const before = await server.superuser();
    const verifier = async () => (await before.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [key.database_username])).rows[0].rolpassword as string;
    const sealed = async () => (await sluiceDb.query('SELECT password_sealed FROM private_ai_keys WHERE id = $1', [key.id])).rows[0].password_sealed as string;
    const [oldVerifier, oldSealed] = [await verifier(), await sealed()];
    const rotated = await as('member')<{ database_password: string; database_username: string }>('POST', `/api/private-ai-keys/${key.id}/rotate-database-password/`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.database_username).toBe(key.database_username);
    expect(rotated.body.database_password).not.toBe(key.database_password);
    expect(await verifier()).not.toBe(oldVerifier);
    expect(await sealed()).not.toBe(oldSealed);
    await before.end();
    const viewer = await as('viewer')('POST', `/api/private-ai-keys/${key.id}/rotate-database-password/`);
    expect(viewer.status).toBe(403);
  });

  it('deletes: revokes the key, ends its sessions, drops the database and role; again is the same answer', async () => {
    const key = await createKey();
    const session = await server.connectAs(key.database_username, key.database_password, key.database_name);
    const ended = new Promise<void>((resolve) => session.on('end', () => resolve()));
    const removed = await as('member')<{ message: string }>('DELETE', `/api/private-ai-keys/${key.id}/`);
    expect(removed.status).toBe(200);
    expect(removed.body.message).toBe('Private AI key deleted successfully');
    await ended;
    expect(await server.databaseExists(key.database_name)).toBe(false);
    expect(await server.roleExists(key.database_username)).toBe(false);
    const apiKey = await as('member')<{ status: string }>('GET', `/api/api-keys/${key.id}/`);
    expect(apiKey.body.status).toBe('revoked');
    expect((await as('member')('GET', `/api/private-ai-keys/${key.id}/`)).status).toBe(404);
    expect((await as('member')('DELETE', `/api/private-ai-keys/${key.id}/`)).status).toBe(200);
    expect((await as('member')('DELETE', '/api/private-ai-keys/00000000-0000-4000-8000-000000000000/')).status).toBe(404);
  });

  it('creates nothing when the region’s server is down: 503, no key, no row', async () => {
    const down = server.adminUrl.replace(`:${server.port}/`, ':1/');
    expect((await as('platform_admin')('PATCH', '/api/regions/eu-west/', { body: { database: { host: server.host, port: 1, admin_url: down } } })).status).toBe(200);
    const keysBefore = await countRows('SELECT count(*)::int AS n FROM api_keys');
    const response = await as('member')('POST', '/api/private-ai-keys/', { body: { name: 'down', region_id: 'eu-west', tenant: world.tenantA.id } });
    expect(response.status).toBe(503);
    expectErrorShape(response.body, 'service_unavailable');
    expect(await countRows('SELECT count(*)::int AS n FROM api_keys')).toBe(keysBefore);
    expect(await countRows("SELECT count(*)::int AS n FROM private_ai_keys WHERE region_id = 'eu-west'")).toBe(0);
    expect((await as('platform_admin')('PATCH', '/api/regions/eu-west/', { body: { database: null } })).status).toBe(200);
    const noServer = await as('member')('POST', '/api/private-ai-keys/', { body: { name: 'none', region_id: 'eu-west', tenant: world.tenantA.id } });
    expect(noServer.status).toBe(409);
  });

  it('caps private keys at the plan’s vector_db_count (409), counting until a key is deleted', async () => {
    await sluiceDb.query(
      `INSERT INTO plans (id, name, billing_mode, price_monthly_cents, period_days, limits, entitlements, extras)
       SELECT 'pk-one', 'One private key', billing_mode, price_monthly_cents, period_days, limits, entitlements, '{"vector_db_count": 1}'::jsonb FROM plans WHERE id = 'basic'`,
    );
    expect((await as('platform_admin')('POST', `/api/tenants/${world.tenantB.slug}/plan/`, { body: { plan: 'pk-one' } })).status).toBe(200);
    const first = await as('outsider')<PrivateKey>('POST', '/api/private-ai-keys/', { body: { name: 'one', region_id: 'local' } });
    expect(first.status).toBe(201);
    const databasesBefore = (await provisioner().namesWithPrefix(server.adminUrl, server.prefix)).length;
    const second = await as('outsider')<{ error: { code: string } }>('POST', '/api/private-ai-keys/', { body: { name: 'two', region_id: 'local' } });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('key_limit_reached');
    expect((await provisioner().namesWithPrefix(server.adminUrl, server.prefix)).length).toBe(databasesBefore);
    expect((await as('outsider')('DELETE', `/api/private-ai-keys/${first.body.id}/`)).status).toBe(200);
    expect((await as('outsider')('POST', '/api/private-ai-keys/', { body: { name: 'three', region_id: 'local' } })).status).toBe(201);
  });

  it('creates the same key and database through POST /api/api-keys/ with vector_db', async () => {
    const response = await as('member')<{ id: string; key: string; allowed_regions: string[]; vector_db: { database_name: string; database_password: string } }>('POST', '/api/api-keys/', {
      body: { name: 'with-db', tenant: world.tenantA.id, vector_db: true, region_id: 'local', limits: { rpm: 5 } },
    });
    expect(response.status).toBe(201);
    expect(response.body.allowed_regions).toEqual(['local']);
    expect(await server.databaseExists(response.body.vector_db.database_name)).toBe(true);
    expect((await as('member')('GET', `/api/private-ai-keys/${response.body.id}/`)).status).toBe(200);
    const missingRegion = await as('member')('POST', '/api/api-keys/', { body: { name: 'x', tenant: world.tenantA.id, vector_db: true } });
    expect(missingRegion.status).toBe(400);
  });

  it('makes LLM-only tokens and extends their life, budget and rate', async () => {
    const token = await as('member')<{ id: string; litellm_token: string; litellm_api_url: string }>('POST', '/api/private-ai-keys/token/', {
      body: { name: 'llm', region_id: 'eu-west', tenant: world.tenantA.id },
    });
    expect(token.status).toBe(201);
    expect(token.body.litellm_api_url).toBe(GATEWAY_PUBLIC_URL);
    expect(await countRows('SELECT count(*)::int AS n FROM private_ai_keys WHERE id = $1', [token.body.id])).toBe(0);

    const expiring = await as('member')<{ id: string; key: string; expires_at: string }>('POST', '/api/api-keys/', {
      body: { name: 'soon', tenant: world.tenantA.id, expires_at: new Date(Date.now() + 86_400_000).toISOString() },
    });
    const extended = await as('member')<{ expires_at: string; limits: Record<string, unknown> }>('PUT', '/api/private-ai-keys/token/extend-token-life/', {
      body: { token: expiring.body.key, duration: 30, max_budget: 12.5, rpm: 42 },
    });
    expect(extended.status).toBe(200);
    const days = (Date.parse(extended.body.expires_at) - Date.parse(expiring.body.expires_at)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect(extended.body.limits).toEqual(expect.objectContaining({ rpm: 42, budget_usd: 12.5, budget_period: 'total' }));
    expect((await as('outsider')('PUT', '/api/private-ai-keys/token/extend-token-life/', { body: { token: expiring.body.key, rpm: 1 } })).status).toBe(404);
    expect((await as('member')('PUT', '/api/private-ai-keys/token/extend-token-life/', { body: { token: 'slk_live_nothing_like_a_key', rpm: 1 } })).status).toBe(404);
  });

  it('measures storage, finishes an interrupted deletion and drops a crash’s leftovers in the background job', async () => {
    const kept = await createKey();
    const interrupted = await createKey();
    // A crash after the key was marked for deletion, before its database was dropped.
    await sluiceDb.query("UPDATE private_ai_keys SET status = 'deleting' WHERE id = $1", [interrupted.id]);
    // A crash after the server made a database, before the key's transaction committed: old enough to be no one's.
    const orphan = newDatabaseName(server.prefix, Date.now() - ORPHAN_GRACE_MS - 60_000);
    await provisioner().provision(server.adminUrl, orphan, newDatabasePassword());
    // A database being made right now: too young to touch.
    const young = newDatabaseName(server.prefix);
    await provisioner().provision(server.adminUrl, young, newDatabasePassword());

    // Scheduled once for every replica, on BullMQ; run here directly so the test does not wait for the interval.
    const queue = world.app.app.get<Queue>(getQueueToken(PRIVATE_AI_KEYS_QUEUE));
    expect((await queue.getJobSchedulers()).map((scheduler) => scheduler.key)).toContain(MAINTENANCE_JOB);
    const report = await world.app.app.get(PrivateAiKeysMaintenance).run();
    expect(report.failures).toEqual([]);
    expect(report.dropped_orphans).toEqual([orphan]);
    expect(await server.databaseExists(orphan)).toBe(false);
    expect(await server.roleExists(orphan)).toBe(false);
    expect(await server.databaseExists(young)).toBe(true);
    expect(await server.databaseExists(interrupted.database_name)).toBe(false);
    expect((await as('member')<{ status: string }>('GET', `/api/api-keys/${interrupted.id}/`)).body.status).toBe('revoked');

    const measured = await as('member')<PrivateKey>('GET', `/api/private-ai-keys/${kept.id}/`);
    expect(measured.body.storage_bytes).toBeGreaterThan(1_000_000);
    const storage = await as('viewer')<{ databases: number; bytes: number; limit: string | null }>('GET', `/api/private-ai-keys/storage/?tenant=${world.tenantA.id}`);
    expect(storage.status).toBe(200);
    expect(storage.body.bytes).toBeGreaterThanOrEqual(measured.body.storage_bytes as number);
    await provisioner().teardown(server.adminUrl, young);
  });

  it('refuses to delete a region or remove its server while keys have databases there', async () => {
    await createKey();
    const removed = await as('platform_admin')('PATCH', '/api/regions/local/', { body: { database: null } });
    expect(removed.status).toBe(409);
    expectErrorShape(removed.body, 'conflict');
    expect((await as('platform_admin')('DELETE', '/api/regions/local/')).status).toBe(409);
  });
});

function provisioner(): DatabaseProvisioner {
  return new DatabaseProvisioner();
}
