import { RedisKeys } from '@sluice/contracts';
import { expectErrorShape, waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Call } from './api-client';
import { startIdentityWorld, type IdentityWorld, type Persona } from './identity-fixture';
import { ProjectionProbe } from './projection-client';

interface KeyBody {
  id: string;
  key: string;
  name: string;
  prefix: string;
  environment: string;
  allowed_origins: string[] | null;
  allow_no_origin: boolean;
}

interface LiveLimits {
  tenant: string;
  api_key_id: string | null;
  windows: Array<{ level: string; team_id: string | null; limit: string; value: number; used: number; remaining: number; reset: number }>;
  concurrency: Array<{ level: string; value: number; in_use: number }>;
  rate_limit: { requests: { limit: number; remaining: number; reset: number } | null; tokens: { limit: number; remaining: number } | null };
  quota: { api_calls: { limit: number | null; used: number } };
  credits: { billing_mode: string; balance_micros: number | null };
}

function refused(response: { status: number; body: unknown }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expectErrorShape(response.body, code);
}

/** Keys and limits (docs/limits.md): environments, domain restrictions, tph, tenant overrides, live limits, deletion, usage by team. */
describe('keys and limits', () => {
  let world: IdentityWorld;
  let probe: ProjectionProbe;
  let db: Client;
  let as: (persona: Persona) => Call;

  beforeAll(async () => {
    world = await startIdentityWorld();
    probe = new ProjectionProbe(world.app.redisKeyPrefix);
    db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    as = (persona) => (method, path, options = {}) => world.call(method, path, { token: world.tokens[persona], ...options });
  });
  afterAll(async () => {
    await db?.end();
    probe?.close();
    await world?.app.close();
  });

  const createKey = async (body: Record<string, unknown> = {}, persona: Persona = 'admin') => {
    const response = await as(persona)<KeyBody>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: `key-${randomUUID().slice(0, 6)}`, ...body } });
    expect(response.status).toBe(201);
    return response.body;
  };

  it('issues keys in four environments, each with its prefix, and filters lists by them', async () => {
    const prefixes = { live: 'slk_live_', test: 'slk_test_', staging: 'slk_staging_', development: 'slk_dev_' };
    for (const [environment, start] of Object.entries(prefixes)) {
      const key = await createKey({ environment });
      expect(key.key.startsWith(start)).toBe(true);
      expect(key.prefix).toBe(key.key.slice(0, start.length + 4));
      expect(key.environment).toBe(environment);
      await waitUntil(async () => (await probe.keyRecord(key.key))?.environment === environment, 2_000, `${environment} key record`);
    }
    const staging = await as('viewer')<{ results: KeyBody[] }>('GET', `/api/api-keys/?tenant=${world.tenantA.id}&environment=staging`);
    expect(staging.status).toBe(200);
    expect(staging.body.results.length).toBeGreaterThan(0);
    expect(staging.body.results.every((key) => key.environment === 'staging')).toBe(true);
    refused(await as('admin')('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'x', environment: 'production' } }), 400, 'validation_error');
  });

  it('stores allowed_origins and allow_no_origin, projects them, and refuses malformed patterns', async () => {
    const key = await createKey({ allowed_origins: ['app.example.com', '*.example.org'], allow_no_origin: false });
    expect(key).toEqual(expect.objectContaining({ allowed_origins: ['app.example.com', '*.example.org'], allow_no_origin: false }));
    await waitUntil(async () => (await probe.keyRecord(key.key))?.allow_no_origin === false, 2_000, 'origin fields in the key record');
    expect((await probe.keyRecord(key.key))?.allowed_origins).toEqual(['app.example.com', '*.example.org']);
    expect((await createKey()).allow_no_origin).toBe(true);

    for (const allowed_origins of [['https://app.example.com'], ['*'], ['app.example.com:443'], [42], 'example.com']) {
      refused(await as('admin')('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'x', allowed_origins } }), 400, 'validation_error');
    }
    refused(await as('admin')('PATCH', `/api/api-keys/${key.id}/`, { body: { allow_no_origin: null } }), 400, 'validation_error');
    const cleared = await as('admin')<KeyBody>('PATCH', `/api/api-keys/${key.id}/`, { body: { allowed_origins: null, allow_no_origin: true } });
    expect(cleared.body).toEqual(expect.objectContaining({ allowed_origins: null, allow_no_origin: true }));
  });

  it('lets a platform admin set every rate limit of a tenant, and nobody else', async () => {
    const limits = { rpm: 120, rph: 5_000, rpd: 50_000, tpm: 90_000, tph: 700_000, tpd: 5_000_000, max_concurrency: 7 };
    const path = `/api/tenants/${world.tenantB.slug}/`;
    refused(await as('outsider')('PATCH', path, { body: { limits: { rpm: 1 } } }), 403, 'forbidden');
    const patched = await as('platform_admin')<{ limits: Record<string, number | null> }>('PATCH', path, { body: { limits } });
    expect(patched.status).toBe(200);
    expect(patched.body.limits).toEqual(limits);
    await waitUntil(async () => (await probe.tenantRecord(world.tenantB.id))?.limits.tph === 700_000, 2_000, 'tenant record with tph');
    expect(await probe.tenantRecord(world.tenantB.id)).toEqual(expect.objectContaining({ limits: expect.objectContaining(limits) }));

    for (const bad of [{ rpm: -1 }, { tph: 1.5 }, { tpd: 'many' }, { max_concurrency: 2_000_000 }, { burst: 3 }, 'fast']) {
      refused(await as('platform_admin')('PATCH', path, { body: { limits: bad } }), 400, 'validation_error');
    }
    const reset = await as('platform_admin')<{ limits: Record<string, number | null> }>('PATCH', path, { body: { limits: { tph: null } } });
    expect(reset.body.limits).toEqual({ ...limits, tph: null });
  });

  it("refuses a key limit above its tenant's, tph included (keys only tighten)", async () => {
    await as('platform_admin')('PATCH', `/api/tenants/${world.tenantA.slug}/`, { body: { limits: { tph: 1_000 } } });
    const above = await as('admin')<{ error: { details: Record<string, string[]> } }>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'x', limits: { tph: 1_001 } } });
    refused(above, 400, 'validation_error');
    expect(above.body.error.details['limits.tph']).toEqual(["must not exceed the tenant's limit of 1000"]);
    const key = await createKey({ limits: { tph: 1_000 } });
    await waitUntil(async () => (await probe.keyRecord(key.key))?.limits.tph === 1_000, 2_000, 'key record with tph');
    await as('platform_admin')('PATCH', `/api/tenants/${world.tenantA.slug}/`, { body: { limits: { tph: null } } });
  });

  it('shows live limits from the same Redis counters the gateway admits against, to members only', async () => {
    const team = await as('admin')<{ id: string }>('POST', '/api/teams/', { body: { tenant: world.tenantA.id, name: `team-${randomUUID().slice(0, 6)}`, limits: { rph: 40 } } });
    expect(team.status).toBe(201);
    const key = await createKey({ team: team.body.id, limits: { rpm: 5, max_concurrency: 2 } });
    const [seconds] = await probe.redis.time();
    const minute = Math.floor(Number(seconds) / 60);
    await probe.redis.hset(RedisKeys.limitWindow(world.tenantA.id, `key:${key.id}`, 'rpm'), 'w', String(minute), 'n', '3');
    await probe.redis.hset(RedisKeys.limitWindow(world.tenantA.id, 'tenant', 'rpm'), 'w', String(minute - 1), 'n', '59');
    await probe.redis.zadd(RedisKeys.concurrency(world.tenantA.id, `key:${key.id}`), Date.now() + 60_000, 'in-flight', Date.now() - 60_000, 'crashed');

    const live = await as('viewer')<LiveLimits>('GET', `/api/api-keys/${key.id}/limits/`);
    expect(live.status).toBe(200);
    const window = (level: string, limit: string) => live.body.windows.find((entry) => entry.level === level && entry.limit === limit);
    expect(window('key', 'rpm')).toEqual(expect.objectContaining({ value: 5, used: 3, remaining: 2, reset: (minute + 1) * 60 }));
    // The tenant's counter is of the previous minute: an empty window now (its plan, basic, allows 300 a minute).
    expect(window('tenant', 'rpm')).toEqual(expect.objectContaining({ value: 300, used: 0, remaining: 300 }));
    expect(window('team', 'rph')).toEqual(expect.objectContaining({ team_id: team.body.id, value: 40, used: 0 }));
    expect(live.body.rate_limit.requests).toEqual({ limit: 5, remaining: 2, reset: (minute + 1) * 60 });
    expect(live.body.concurrency).toEqual([
      expect.objectContaining({ level: 'tenant', value: 20, in_use: 0 }),
      expect.objectContaining({ level: 'key', value: 2, in_use: 1 }),
    ]);
    expect(live.body.credits.billing_mode).toBe('postpaid');

    const tenant = await as('member')<LiveLimits>('GET', `/api/tenants/${world.tenantA.slug}/limits/`);
    expect(tenant.status).toBe(200);
    expect(tenant.body).toEqual(expect.objectContaining({ tenant: world.tenantA.slug, api_key_id: null }));
    expect(tenant.body.windows.every((entry) => entry.level === 'tenant')).toBe(true);

    refused(await as('outsider')('GET', `/api/tenants/${world.tenantA.slug}/limits/`), 404, 'not_found');
    refused(await as('outsider')('GET', `/api/api-keys/${key.id}/limits/`), 404, 'not_found');
    refused(await as('anonymous')('GET', `/api/tenants/${world.tenantA.slug}/limits/`), 401, 'unauthorized');
    refused(await as('viewer')('GET', `/api/api-keys/${randomUUID()}/limits/`), 404, 'not_found');
    refused(await as('viewer')('GET', '/api/api-keys/not-a-uuid/limits/'), 404, 'not_found');
  });

  it('deletes a key only with confirm: revoked at once, hidden, its usage still named', async () => {
    const team = await as('admin')<{ id: string; name: string }>('POST', '/api/teams/', { body: { tenant: world.tenantA.id, name: `team-${randomUUID().slice(0, 6)}` } });
    const key = await createKey({ name: 'to-be-deleted', team: team.body.id }, 'member');
    await waitUntil(async () => (await probe.keyRecord(key.key))?.status === 'active', 2_000, 'key record');
    await db.query(
      `INSERT INTO usage_daily (day, tenant_id, api_key_id, team_id, model, environment, requests, prompt_tokens, completion_tokens, cost_micros)
       VALUES (current_date, $1, $2, $3, 'mock-fast', 'live', 3, 30, 12, 42)`,
      [world.tenantA.id, key.id, team.body.id],
    );

    const path = `/api/api-keys/${key.id}/`;
    refused(await as('member')('DELETE', path), 400, 'validation_error');
    refused(await as('member')('DELETE', path, { body: { confirm: false } }), 400, 'validation_error');
    refused(await as('member')('DELETE', path, { body: { confirm: 'true' } }), 400, 'validation_error');
    refused(await as('viewer')('DELETE', path, { body: { confirm: true } }), 403, 'forbidden');
    refused(await as('outsider')('DELETE', path, { body: { confirm: true } }), 404, 'not_found');
    expect((await probe.keyRecord(key.key))?.status).toBe('active');

    const deleted = await as('member')('DELETE', path, { body: { confirm: true } });
    expect(deleted.status).toBe(204);
    // The projection is rewritten before the answer: the gateway refuses the key from now on.
    expect((await probe.keyRecord(key.key))?.status ?? 'revoked').toBe('revoked');
    refused(await as('member')('GET', path), 404, 'not_found');
    refused(await as('member')('DELETE', path, { body: { confirm: true } }), 404, 'not_found');
    refused(await as('viewer')('GET', `${path}limits/`), 404, 'not_found');
    const listed = await as('admin')<{ results: KeyBody[] }>('GET', `/api/api-keys/?tenant=${world.tenantA.id}&page_size=100`);
    expect(listed.body.results.map((row) => row.id)).not.toContain(key.id);
    const revokedList = await as('admin')<{ results: KeyBody[] }>('GET', `/api/api-keys/?tenant=${world.tenantA.id}&status=revoked&page_size=100`);
    expect(revokedList.body.results.map((row) => row.id)).not.toContain(key.id);

    const audit = await db.query(`SELECT event_type FROM audit_events WHERE resource_id = $1 ORDER BY id`, [key.id]);
    expect(audit.rows.map((row) => row.event_type)).toEqual(['api_key.created', 'api_key.deleted']);

    const byKey = await as('viewer')<{ results: Array<Record<string, unknown>> }>('GET', `/api/tenants/${world.tenantA.slug}/usage/?group_by=key`);
    expect(byKey.body.results).toContainEqual(expect.objectContaining({ api_key_id: key.id, api_key_name: 'to-be-deleted', requests: 3, total_tokens: 42 }));
    const keyUsage = await as('viewer')<{ totals: { requests: number } }>('GET', `${path}usage/`);
    expect(keyUsage.status).toBe(200);
    expect(keyUsage.body.totals.requests).toBe(3);

    const byTeam = await as('viewer')<{ group_by: string; results: Array<Record<string, unknown>> }>('GET', `/api/tenants/${world.tenantA.slug}/usage/?group_by=team`);
    expect(byTeam.status).toBe(200);
    expect(byTeam.body.group_by).toBe('team');
    expect(byTeam.body.results).toContainEqual(expect.objectContaining({ team_id: team.body.id, team_name: team.body.name, requests: 3, cost_micros: 42 }));
    refused(await as('outsider')('GET', `/api/tenants/${world.tenantA.slug}/usage/?group_by=team`), 404, 'not_found');
  });
});
