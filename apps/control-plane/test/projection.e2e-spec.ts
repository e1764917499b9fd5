import { parseProjectionRecord, RedisKeys, type CatalogRecordV1 } from '@sluice/contracts';
import { DisposableRedisServer, waitUntil } from '@sluice/testing';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import type { Principal } from '../src/auth/principal';
import { runProjectionRebuild } from '../src/projection/projection-rebuild.command';
import { TenantsService } from '../src/tenants/tenants.service';
import type { Call } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { ProjectionProbe } from './projection-client';

const asAdmin = (world: IdentityWorld): Call => (method, path, options = {}) => world.call(method, path, { token: world.tokens.platform_admin, ...options });

async function createKey(world: IdentityWorld, tenant: string): Promise<{ id: string; key: string }> {
  const response = await asAdmin(world)<{ id: string; key: string }>('POST', '/api/api-keys/', { body: { tenant, name: 'projection' } });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

async function projectionKeys(probe: ProjectionProbe): Promise<string[]> {
  const keys = await probe.redis.keys(`${probe.keyPrefix}proj:*`);
  return keys.map((key) => key.slice(probe.keyPrefix.length)).sort();
}

describe('Redis projection', () => {
  describe('against the shared Redis', () => {
    let world: IdentityWorld;
    let probe: ProjectionProbe;

    beforeAll(async () => {
      world = await startIdentityWorld({ PROJECTION_RECONCILE_INTERVAL_MS: '300', MOCK_PROVIDER_URL: 'http://127.0.0.1:19999' });
      probe = new ProjectionProbe(world.app.redisKeyPrefix);
      await probe.subscribe();
    });
    afterAll(async () => {
      probe?.close();
      await world?.app.close();
    });

    it('holds a record per tenant and the catalog, with the mock models on MOCK_PROVIDER_URL', async () => {
      expect(await probe.tenantRecord(world.tenantA.id)).toEqual(
        expect.objectContaining({ v: 1, id: world.tenantA.id, slug: world.tenantA.slug, status: 'active', billing_mode: 'postpaid', plan: 'basic', status_reason: null }),
      );
      const catalog = parseProjectionRecord<CatalogRecordV1>(await probe.redis.get(RedisKeys.catalog()));
      const mock = catalog?.models.find((model) => model.id === 'mock-fast');
      expect(mock).toEqual(expect.objectContaining({ provider: 'mock', sandbox: true }));
      expect(mock?.deployments[0].base_url).toBe('http://127.0.0.1:19999');
      expect(catalog?.models.find((model) => model.id === 'gpt-4o')?.deployments[0].credential_env).toBe('OPENAI_API_KEY');
    });

    it('a suspension reaches the tenant record within a second, with an invalidation; restore and delete too', async () => {
      const { slug, id } = world.tenantB;
      const suspended = await asAdmin(world)('POST', `/api/tenants/${slug}/suspend/`, { body: { reason: 'Payment overdue' } });
      expect(suspended.status).toBe(200);
      await waitUntil(async () => (await probe.tenantRecord(id))?.status === 'suspended', 1_000, 'suspended record');
      expect((await probe.tenantRecord(id))?.status_reason).toBe('Payment overdue');
      expect(probe.messages).toContainEqual({ v: 1, kind: 'tenant', id });

      await asAdmin(world)('POST', `/api/tenants/${slug}/restore/`);
      await waitUntil(async () => (await probe.tenantRecord(id))?.status === 'active', 1_000, 'restored record');
      expect((await asAdmin(world)('DELETE', `/api/tenants/${slug}/`)).status).toBe(204);
      await waitUntil(async () => (await probe.tenantRecord(id))?.status === 'deleted', 1_000, 'deleted record');
      await asAdmin(world)('POST', `/api/tenants/${slug}/restore/`);
    });

    it('the periodic reconcile repairs drift: a tampered, a deleted and an orphaned record', async () => {
      const key = await createKey(world, world.tenantA.id);
      const hash = (await import('./projection-client')).sha256(key.key);
      await probe.redis.set(RedisKeys.apiKey(hash), JSON.stringify({ v: 1, tampered: true }));
      await probe.redis.del(RedisKeys.tenant(world.tenantA.id));
      await probe.redis.set(RedisKeys.apiKey('f'.repeat(64)), '{"v":1}');
      await waitUntil(
        async () =>
          (await probe.keyRecord(key.key))?.id === key.id &&
          (await probe.tenantRecord(world.tenantA.id))?.status === 'active' &&
          (await probe.redis.exists(RedisKeys.apiKey('f'.repeat(64)))) === 0,
        5_000,
        'reconcile',
      );
    });

    it('npm run projection:rebuild restores a flushed projection exactly', async () => {
      const key = await createKey(world, world.tenantA.id);
      const revoked = await createKey(world, world.tenantA.id);
      await asAdmin(world)('POST', `/api/api-keys/${revoked.id}/revoke/`);
      const before = await projectionKeys(probe);
      const snapshot = await probe.redis.mget(before);
      await probe.redis.del(...before);

      let output = '';
      const stdout = new Writable({ write: (chunk, _encoding, done) => ((output += String(chunk)), done()) });
      const code = await runProjectionRebuild(
        { NODE_ENV: 'test', DATABASE_URL: world.app.databaseUrl, REDIS_URL: probe.redis.options.host ? `redis://127.0.0.1:${probe.redis.options.port}/0` : '', REDIS_KEY_PREFIX: world.app.redisKeyPrefix },
        stdout,
      );
      expect(code).toBe(0);
      expect(JSON.parse(output)).toEqual(expect.objectContaining({ deleted: 0 }));
      expect(await projectionKeys(probe)).toEqual(before);
      expect(await probe.redis.mget(before)).toEqual(snapshot);
      expect((await probe.keyRecord(key.key))?.status).toBe('active');
      expect((await probe.keyRecord(revoked.key))?.status).toBe('revoked');
    });
  });

  describe('when Redis fails', () => {
    let redis: DisposableRedisServer;
    let world: IdentityWorld;
    let probe: ProjectionProbe;

    beforeAll(async () => {
      redis = await DisposableRedisServer.start();
      world = await startIdentityWorld({ REDIS_URL: redis.url, PROJECTION_RECONCILE_INTERVAL_MS: '250' });
      probe = new ProjectionProbe(world.app.redisKeyPrefix, redis.url);
    });
    afterAll(async () => {
      probe?.close();
      await world?.app.close();
      await redis?.stop();
    });

    it('a change made while Redis is down still succeeds, and reaches Redis once it is back', async () => {
      const key = await createKey(world, world.tenantA.id);
      await waitUntil(async () => (await probe.keyRecord(key.key))?.status === 'active', 1_000, 'record before the outage');

      // Every HTTP request needs Redis (session revocation, throttling), so the change is made through
      // the services themselves, as a request would after authentication.
      const admin: Principal = { kind: 'user', userId: world.users.owner, email: world.emails.owner, isPlatformAdmin: true, via: 'jwt', sessionId: null, tokenId: null, tokenExpiresAt: null };
      await redis.stop();
      const revoked = await world.app.app.get(ApiKeysService).revoke(admin, key.id);
      expect(revoked.status).toBe('revoked');
      const suspended = await world.app.app.get(TenantsService).transition(admin, world.tenantB.slug, 'suspend', 'outage test');
      expect(suspended.status).toBe('suspended');

      const db = new Client({ connectionString: world.app.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query('SELECT count(*)::int AS n FROM projection_outbox');
        expect(rows[0].n).toBeGreaterThan(0);
        await redis.start();
        // The restarted Redis is empty: the outbox and the reconcile must bring back everything.
        await waitUntil(
          async () =>
            (await probe.keyRecord(key.key))?.status === 'revoked' &&
            (await probe.tenantRecord(world.tenantB.id))?.status === 'suspended' &&
            (await probe.tenantRecord(world.tenantA.id))?.status === 'active' &&
            (await probe.redis.exists(RedisKeys.catalog())) === 1,
          10_000,
          'repair after the outage',
        );
        await waitUntil(async () => (await db.query('SELECT count(*)::int AS n FROM projection_outbox')).rows[0].n === 0, 5_000, 'outbox drained');
      } finally {
        await db.end();
      }
    });
  });
});
