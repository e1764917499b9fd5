import { OperatorRedisKeys } from '@sluice/contracts';
import { expectErrorShape, TEST_REDIS_URL } from '@sluice/testing';
import Redis from 'ioredis';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Call } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';

/** The platform admins' endpoints in one control plane (docs/operations.md, Operator endpoints); with real gateways: tools/system-tests. */
describe('operator endpoints', () => {
  let world: IdentityWorld;
  let as: (persona: keyof IdentityWorld['tokens']) => Call;
  let directory: string;
  let catalogFile: string;
  let redis: Redis;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'sluice-operator-'));
    catalogFile = join(directory, 'catalog.json');
    copyFileSync(resolve(__dirname, '../../../catalog/catalog.json'), catalogFile);
    world = await startIdentityWorld({ CATALOG_FILE: catalogFile });
    as = (persona) => (method, path, options = {}) => world.call(method, path, { token: world.tokens[persona], ...options });
    redis = new Redis(TEST_REDIS_URL, { keyPrefix: world.app.redisKeyPrefix });
  });
  afterAll(async () => {
    redis?.disconnect();
    await world?.app.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const ROUTES: Array<[string, string]> = [
    ['POST', '/api/models/refresh/'],
    ['POST', '/api/admin/refresh-models/'],
    ['GET', '/api/admin/cache-status/'],
    ['GET', '/api/admin/monitor/'],
    ['GET', '/api/admin/balances/'],
    ['GET', '/api/models/providers/'],
  ];

  it.each(ROUTES)('%s %s is for platform admins only', async (method, path) => {
    for (const persona of ['owner', 'member'] as const) {
      const refused = await as(persona)(method, path);
      expect(refused.status).toBe(403);
      expectErrorShape(refused.body, 'forbidden');
    }
    expect((await as('anonymous')(method, path)).status).toBe(401);
    expect((await as('platform_admin')(method, path)).status).toBe(200);
  });

  it('refuses a broken catalog file with 409 and changes nothing', async () => {
    const before = await as('platform_admin')<{ results: unknown[] }>('GET', '/api/models/');
    writeFileSync(catalogFile, '{ not json');
    const refused = await as('platform_admin')('POST', '/api/models/refresh/');
    expect(refused.status).toBe(409);
    expectErrorShape(refused.body, 'conflict');
    copyFileSync(resolve(__dirname, '../../../catalog/catalog.json'), catalogFile);
    expect((await as('platform_admin')<{ results: unknown[] }>('GET', '/api/models/')).body).toEqual(before.body);
  });

  it('counts the projection’s records and published invalidations, and shows only gateways that reported lately', async () => {
    const created = await as('admin')('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'counted' } });
    expect(created.status).toBe(201);
    const now = new Date().toISOString();
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    const beat = (id: string, at: string) => JSON.stringify({ id, version: 'test', projection_age_ms: 5, projection_ready: true, invalidations_applied: 3, cached_entries: 2, circuits: { 'mock-fast-0': 'open' }, at });
    await redis.hset(OperatorRedisKeys.gatewayHeartbeats(), 'gw-live', beat('gw-live', now), 'gw-gone', beat('gw-gone', old));
    const status = await as('platform_admin')<{
      records: { api_key: number; tenant: number; catalog: number };
      invalidations_published: number;
      last_full_rebuild_at: string | null;
      outbox: { backlog: number };
      gateways: Array<{ id: string }>;
    }>('GET', '/api/admin/cache-status/');
    expect(status.body.records.api_key).toBeGreaterThanOrEqual(1);
    expect(status.body.records.tenant).toBeGreaterThanOrEqual(2);
    expect(status.body.records.catalog).toBe(1);
    expect(status.body.invalidations_published).toBeGreaterThan(0);
    expect(status.body.last_full_rebuild_at).not.toBeNull();
    expect(status.body.gateways.map((gateway) => gateway.id)).toEqual(['gw-live']);
    expect(await redis.hexists(OperatorRedisKeys.gatewayHeartbeats(), 'gw-gone')).toBe(0);
  });

  it('lists prepaid tenants’ ledger and live balances, paginated, filtered by a low balance', async () => {
    const admin = as('platform_admin');
    for (const tenant of [world.tenantA, world.tenantB]) {
      expect((await admin('POST', `/api/tenants/${tenant.slug}/plan/`, { body: { plan: 'prepaid' } })).status).toBe(200);
    }
    expect((await admin('POST', `/api/tenants/${world.tenantA.slug}/credits/`, { body: { amount_usd: 50, reason: 'rich' } })).status).toBe(201);
    expect((await admin('POST', `/api/tenants/${world.tenantB.slug}/credits/`, { body: { amount_usd: 2, reason: 'poor' } })).status).toBe(201);
    const all = await admin<{ count: number; results: Array<{ slug: string; ledger_balance_usd: number; live_balance_usd: number | null }> }>('GET', '/api/admin/balances/');
    expect(all.body.count).toBe(2);
    expect(all.body.results.map((row) => row.slug)).toEqual([world.tenantB.slug, world.tenantA.slug]);
    expect(all.body.results[1]).toEqual(expect.objectContaining({ ledger_balance_usd: 50, live_balance_usd: 50 }));
    const low = await admin<{ count: number; results: Array<{ slug: string }> }>('GET', '/api/admin/balances/?low_balance_below_usd=10');
    expect(low.body.results.map((row) => row.slug)).toEqual([world.tenantB.slug]);
    const page = await admin<{ count: number; results: unknown[] }>('GET', '/api/admin/balances/?page_size=1');
    expect(page.body.count).toBe(2);
    expect(page.body.results).toHaveLength(1);
    expect((await admin('GET', '/api/admin/balances/?low_balance_below_usd=lots')).status).toBe(400);

    const monitor = await admin<{ credit_liabilities_usd: number; today: { requests: number } }>('GET', '/api/admin/monitor/');
    expect(monitor.body.credit_liabilities_usd).toBe(52);
    expect(monitor.body.today.requests).toBe(0);
  });

  it('answers the error counts the gateways keep in Redis, today’s and this month’s', async () => {
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    await redis.hset(OperatorRedisKeys.errorsOnDay(day), { invalid_api_key: 2, rate_limit_exceeded: 5 });
    await redis.hset(OperatorRedisKeys.errorsInMonth(day.slice(0, 6)), { invalid_api_key: 9, rate_limit_exceeded: 5, provider_unavailable: 1 });
    const monitor = await as('platform_admin')<{ errors_today: unknown; errors_month: unknown }>('GET', '/api/admin/monitor/');
    expect(monitor.body.errors_today).toEqual({ by_reason: { invalid_api_key: 2, rate_limit_exceeded: 5 }, total: 7 });
    expect(monitor.body.errors_month).toEqual({ by_reason: { invalid_api_key: 9, provider_unavailable: 1, rate_limit_exceeded: 5 }, total: 15 });
  });

  it('groups the catalog by provider with price ranges and the open breakers gateways report', async () => {
    await redis.hset(
      OperatorRedisKeys.gatewayHeartbeats(),
      'gw-breaker',
      JSON.stringify({ id: 'gw-breaker', version: 'test', projection_age_ms: 1, projection_ready: true, invalidations_applied: 0, cached_entries: 0, circuits: {}, at: new Date().toISOString() }),
    );
    const providers = await as('platform_admin')<Array<{ provider: string; models: string[]; regions: string[]; pricing: { input_per_mtok_usd: { min: number; max: number } } }>>(
      'GET',
      '/api/models/providers/',
    );
    const mock = providers.body.find((entry) => entry.provider === 'mock');
    expect(mock?.models).toEqual(expect.arrayContaining(['mock-fast', 'mock-smart']));
    expect(mock?.regions).toContain('local');
    expect(mock?.pricing.input_per_mtok_usd.min).toBeLessThanOrEqual(mock?.pricing.input_per_mtok_usd.max ?? -1);
  });
});
