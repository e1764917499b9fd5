import { RedisKeys } from '@sluice/contracts';
import { expectErrorShape, TEST_REDIS_URL, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { Call } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { ProjectionProbe, sha256 } from './projection-client';

interface KeyBody {
  id: string;
  key: string;
  tenant: string;
  prefix: string;
  last4: string;
  status: string;
  environment: string;
  scopes: string[];
  created_by: string;
  rotation_grace_ends_at: string | null;
}

describe('API keys', () => {
  let world: IdentityWorld;
  let probe: ProjectionProbe;
  let as: (persona: keyof IdentityWorld['tokens']) => Call;

  beforeAll(async () => {
    world = await startIdentityWorld();
    probe = new ProjectionProbe(world.app.redisKeyPrefix);
    await probe.subscribe();
    as = (persona) => (method, path, options = {}) => world.call(method, path, { token: world.tokens[persona], ...options });
  });
  afterAll(async () => {
    probe?.close();
    await world?.app.close();
  });

  const createKey = async (persona: keyof IdentityWorld['tokens'], body: Record<string, unknown> = {}) => {
    const response = await as(persona)<KeyBody>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'ci', ...body } });
    expect(response.status).toBe(201);
    return response.body;
  };

  it('creates a key, shows its secret once, and stores only its hash', async () => {
    const created = await createKey('admin', { environment: 'test', scopes: ['inference', 'read'] });
    expect(created.key).toMatch(/^slk_test_[0-9A-Za-z]{42}$/);
    expect(created).toEqual(expect.objectContaining({ prefix: created.key.slice(0, 13), last4: created.key.slice(-4), status: 'active', environment: 'test', scopes: ['inference', 'read'] }));
    const read = await as('viewer')<Record<string, unknown>>('GET', `/api/api-keys/${created.id}/`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('key');
    expect(JSON.stringify(read.body)).not.toContain(created.key);

    const db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT row_to_json(k)::text AS row FROM api_keys k WHERE id = $1', [created.id]);
      expect(rows[0].row).not.toContain(created.key);
      expect(rows[0].row).toContain(sha256(created.key));
      const audit = await db.query(`SELECT payload::text AS payload FROM audit_events WHERE resource_id = $1`, [created.id]);
      expect(audit.rows.length).toBeGreaterThan(0);
      for (const event of audit.rows) expect(event.payload).not.toContain(created.key.slice(13, -4));
    } finally {
      await db.end();
    }
    expect(world.app.logs.text).not.toContain(created.key);
  });

  it('projects a new key into Redis by its SHA-256 within a second', async () => {
    const created = await createKey('member', { limits: { rpm: 10 }, allowed_ips: ['10.0.0.0/8', '2001:db8::/32'], allowed_models: ['gpt-4o*'] });
    await waitUntil(async () => (await probe.keyRecord(created.key)) !== null, 1_000, 'key record');
    expect(await probe.keyRecord(created.key)).toEqual(
      expect.objectContaining({ v: 1, id: created.id, tenant_id: world.tenantA.id, status: 'active', scopes: ['inference'], limits: { rpm: 10 }, allowed_ips: ['10.0.0.0/8', '2001:db8::/32'], allowed_models: ['gpt-4o*'] }),
    );
  });

  it('revocation rewrites the record as revoked and publishes an invalidation', async () => {
    const created = await createKey('member');
    const hash = sha256(created.key);
    const revoked = await as('member')<KeyBody>('POST', `/api/api-keys/${created.id}/revoke/`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    await waitUntil(async () => (await probe.keyRecord(created.key))?.status === 'revoked', 1_000, 'revoked record');
    await waitUntil(() => probe.messages.some((message) => message.kind === 'api_key' && message.id === hash), 1_000, 'invalidation message');
    const again = await as('member')<KeyBody>('POST', `/api/api-keys/${created.id}/revoke/`);
    expect(again.body.status).toBe('revoked');
  });

  it('rotation with grace keeps both secrets valid until the grace ends, then only the new one', async () => {
    const created = await createKey('admin');
    const rotated = await as('admin')<KeyBody>('POST', `/api/api-keys/${created.id}/rotate/`, { body: { grace_seconds: 2 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).not.toBe(created.key);
    expect(rotated.body.rotation_grace_ends_at).not.toBeNull();
    await waitUntil(async () => (await probe.keyRecord(rotated.body.key))?.status === 'active', 1_000, 'new secret');
    const old = await probe.keyRecord(created.key);
    expect(old).toEqual(expect.objectContaining({ id: created.id, status: 'active', expires_at: rotated.body.rotation_grace_ends_at }));
    await waitUntil(async () => (await probe.keyRecord(created.key)) === null, 4_000, 'old secret to lapse');
    expect((await probe.keyRecord(rotated.body.key))?.status).toBe('active');
  });

  it('rotation without grace retires the old secret at once; a second rotation ends an earlier grace', async () => {
    const created = await createKey('admin');
    const first = await as('admin')<KeyBody>('POST', `/api/api-keys/${created.id}/rotate/`, { body: { grace_seconds: 3600 } });
    const second = await as('admin')<KeyBody>('POST', `/api/api-keys/${created.id}/rotate/`, { body: { grace_seconds: 0 } });
    expect(second.status).toBe(200);
    await waitUntil(async () => (await probe.keyRecord(first.body.key)) === null && (await probe.keyRecord(created.key)) === null, 1_000, 'old secrets removed');
    expect((await probe.keyRecord(second.body.key))?.status).toBe('active');
  });

  it('bulk-rotates every active key of a tenant (admins) or listed ids', async () => {
    const a = await createKey('admin');
    const b = await createKey('admin');
    const byIds = await as('admin')<{ count: number; results: KeyBody[] }>('POST', '/api/api-keys/bulk-rotate/', { body: { ids: [a.id, b.id], grace_seconds: 60 } });
    expect(byIds.status).toBe(200);
    expect(byIds.body.count).toBe(2);
    for (const result of byIds.body.results) await waitUntil(async () => (await probe.keyRecord(result.key)) !== null, 1_000, 'rotated secret');
    expect((await probe.keyRecord(a.key))?.expires_at).not.toBeNull();

    const byTenant = await as('owner')<{ count: number; results: KeyBody[] }>('POST', '/api/api-keys/bulk-rotate/', { body: { tenant: world.tenantA.slug, grace_seconds: 0 } });
    expect(byTenant.status).toBe(200);
    expect(byTenant.body.results.map((key) => key.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    const asMember = await as('member')('POST', '/api/api-keys/bulk-rotate/', { body: { tenant: world.tenantA.slug } });
    expect(asMember.status).toBe(403);
    const both = await as('admin')('POST', '/api/api-keys/bulk-rotate/', { body: { tenant: world.tenantA.slug, ids: [a.id] } });
    expect(both.status).toBe(400);
    expectErrorShape(both.body, 'validation_error');
  });

  it('lists with filters: status, environment, search', async () => {
    const name = `filter-${Date.now()}`;
    const live = await createKey('admin', { name, environment: 'live' });
    const test = await createKey('admin', { name, environment: 'test' });
    await as('admin')('POST', `/api/api-keys/${test.id}/revoke/`);
    const ids = async (query: string) =>
      (await as('viewer')<{ results: KeyBody[]; count: number }>('GET', `/api/api-keys/?tenant=${world.tenantA.slug}&search=${name}${query}`)).body.results.map((key) => key.id);
    expect((await ids('')).sort()).toEqual([live.id, test.id].sort());
    expect(await ids('&status=active')).toEqual([live.id]);
    expect(await ids('&status=revoked')).toEqual([test.id]);
    expect(await ids('&environment=test')).toEqual([test.id]);
    const db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    await db.query(`UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1`, [live.id]).finally(() => undefined);
    await db.end();
    expect(await ids('&status=expired')).toEqual([live.id]);
    expect(await ids('&status=active')).toEqual([]);
  });

  it('patches restrictions and re-projects the record', async () => {
    const created = await createKey('member');
    const patched = await as('member')<KeyBody & { name: string; allowed_ips: string[] }>('PATCH', `/api/api-keys/${created.id}/`, { body: { name: 'renamed', allowed_ips: ['192.168.1.0/24'] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual(expect.objectContaining({ name: 'renamed', allowed_ips: ['192.168.1.0/24'] }));
    await waitUntil(async () => JSON.stringify((await probe.keyRecord(created.key))?.allowed_ips) === '["192.168.1.0/24"]', 1_000, 'patched record');
  });

  describe('isolation: tenant B cannot see or change tenant A keys', () => {
    let key: KeyBody;
    beforeAll(async () => {
      key = await createKey('admin');
    });

    it.each([
      ['GET', ''],
      ['PATCH', ''],
      ['POST', 'revoke/'],
      ['POST', 'rotate/'],
    ])('%s %s → 404', async (method, suffix) => {
      const response = await as('outsider')(method, `/api/api-keys/${key.id}/${suffix}`, { body: method === 'GET' ? undefined : method === 'PATCH' ? { name: 'x' } : {} });
      expect(response.status).toBe(404);
      expectErrorShape(response.body, 'not_found');
    });

    it('does not list them, and bulk rotation by id answers 404', async () => {
      const list = await as('outsider')<{ results: KeyBody[] }>('GET', '/api/api-keys/');
      expect(list.body.results.map((row) => row.tenant)).not.toContain(world.tenantA.id);
      expect((await as('outsider')('GET', `/api/api-keys/?tenant=${world.tenantA.id}`)).status).toBe(404);
      expect((await as('outsider')('POST', '/api/api-keys/bulk-rotate/', { body: { ids: [key.id] } })).status).toBe(404);
      expect((await probe.keyRecord(key.key))?.status).toBe('active');
    });

    it('cannot create keys in tenant A', async () => {
      const response = await as('outsider')('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'intruder' } });
      expect(response.status).toBe(404);
    });
  });

  describe('members manage only their own keys', () => {
    it('a member cannot revoke, rotate or patch another member’s key (403) but can its own', async () => {
      const others = await createKey('admin');
      for (const [method, suffix] of [['POST', 'revoke/'], ['POST', 'rotate/'], ['PATCH', '']] as const) {
        const response = await as('member')(method, `/api/api-keys/${others.id}/${suffix}`, { body: method === 'PATCH' ? { name: 'x' } : {} });
        expect(response.status).toBe(403);
        expectErrorShape(response.body, 'forbidden');
      }
      const own = await createKey('member');
      expect((await as('member')('POST', `/api/api-keys/${own.id}/revoke/`)).status).toBe(200);
    });
  });

  describe('bad input → 400 with field details', () => {
    it.each([
      ['an invalid CIDR', { allowed_ips: ['10.0.0.0/33'] }, 'allowed_ips'],
      ['a non-address', { allowed_ips: ['example.com'] }, 'allowed_ips'],
      ['an unknown scope', { scopes: ['admin'] }, 'scopes'],
      ['an unknown environment', { environment: 'production' }, 'environment'],
      ['a past expiry', { expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
      ['a malformed expiry', { expires_at: 'tomorrow' }, 'expires_at'],
      ['a glob matching no model', { allowed_models: ['no-such-model-*'] }, 'allowed_models'],
      ['an unknown region', { allowed_regions: ['mars-1'] }, 'allowed_regions'],
      ['a negative limit', { limits: { rpm: -1 } }, 'limits.rpm'],
      ['an unknown field', { secret: 'x' }, 'secret'],
      ['a missing name', { name: undefined }, 'name'],
      ['a team of no tenant', { team: '00000000-0000-4000-8000-000000000000' }, 'team'],
    ])('%s', async (_what, body, field) => {
      const response = await as('admin')<{ error: { details: Record<string, string[]> } }>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'bad', ...body } });
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 'validation_error');
      expect(Object.keys(response.body.error.details)).toContain(field);
    });

    it('rejects a grace period beyond 7 days', async () => {
      const created = await createKey('admin');
      const response = await as('admin')('POST', `/api/api-keys/${created.id}/rotate/`, { body: { grace_seconds: 604_801 } });
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 'validation_error');
    });

    it('accepts a well-formed key limited by the tenant, refuses one that loosens it', async () => {
      const db = new Client({ connectionString: world.app.databaseUrl });
      await db.connect();
      await db.query(`UPDATE tenants SET quota_overrides = quota_overrides || '{"rpm": 100, "tpm": 5000}' WHERE id = $1`, [world.tenantA.id]);
      await db.end();
      const tight = await as('admin')('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'tight', limits: { rpm: 100, tpm: 1000 } } });
      expect(tight.status).toBe(201);
      const loose = await as('admin')<{ error: { details: Record<string, string[]> } }>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'loose', limits: { rpm: 101 } } });
      expect(loose.status).toBe(400);
      expect(loose.body.error.details['limits.rpm']).toEqual(["must not exceed the tenant's limit of 100"]);
    });

    it('refuses a key that loosens its team’s limits', async () => {
      const team = await as('platform_admin')<{ id: string }>('POST', '/api/teams/', { body: { tenant: world.tenantA.id, name: `team-${Date.now()}`, limits: { rpm: 5 } } });
      expect(team.status).toBe(201);
      const response = await as('admin')<{ error: { details: Record<string, string[]> } }>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'team', team: team.body.id, limits: { rpm: 6 } } });
      expect(response.status).toBe(400);
      expect(response.body.error.details['limits.rpm']).toEqual(["must not exceed the team's limit of 5"]);
      const ok = await as('admin')<KeyBody>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'team', team: team.body.id, limits: { rpm: 5 } } });
      expect(ok.status).toBe(201);
      await waitUntil(async () => (await probe.keyRecord(ok.body.key))?.team?.id === team.body.id, 1_000, 'team in record');
    });
  });

  it('enforces max_keys with 409 key_limit_reached', async () => {
    const db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1 AND status = 'active' AND (expires_at IS NULL OR expires_at > now())`, [world.tenantB.id]);
    await db.query(`UPDATE tenants SET quota_overrides = quota_overrides || jsonb_build_object('max_keys', $2::int) WHERE id = $1`, [world.tenantB.id, rows[0].n + 1]);
    await db.end();
    const first = await as('outsider')('POST', '/api/api-keys/', { body: { tenant: world.tenantB.id, name: 'one' } });
    expect(first.status).toBe(201);
    const second = await as('outsider')('POST', '/api/api-keys/', { body: { tenant: world.tenantB.id, name: 'two' } });
    expect(second.status).toBe(409);
    expectErrorShape(second.body, 'key_limit_reached');
  });

  it('writes the record under the deployment prefix', async () => {
    const created = await createKey('admin');
    const raw = new Redis(TEST_REDIS_URL);
    try {
      await waitUntil(async () => (await raw.exists(`${world.app.redisKeyPrefix}${RedisKeys.apiKey(sha256(created.key))}`)) === 1, 1_000, 'prefixed record');
    } finally {
      raw.disconnect();
    }
  });
});
