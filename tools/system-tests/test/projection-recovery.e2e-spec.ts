import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { ADMIN_EMAIL, apiClient, createActiveTenant, DisposableRedisServer, login, TEST_PASSWORD, unique, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { runProjectionRebuild, SERVICES_TIMEOUT_MS, startControlPlaneService, startGatewayService, type RunningControlPlane, type RunningService } from './support/services';

/** Issue 5: a flushed Redis heals by a rebuild, and in the meantime good keys get 503 (retry), never 401. */
describe('projection recovery after FLUSHALL (on a private Redis)', () => {
  let redis: DisposableRedisServer;
  let mock: MockProvider;
  let controlPlane: RunningControlPlane;
  let gateway: RunningService;

  beforeAll(async () => {
    redis = await DisposableRedisServer.start();
    mock = await startMockProvider();
    controlPlane = await startControlPlaneService({ REDIS_URL: redis.url, SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD, MOCK_PROVIDER_URL: mock.url });
    gateway = await startGatewayService({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: controlPlane.redisKeyPrefix });
  }, SERVICES_TIMEOUT_MS);

  afterAll(async () => {
    await gateway?.close();
    await controlPlane?.close();
    await mock?.close();
    await redis?.stop();
  }, SERVICES_TIMEOUT_MS);

  const chat = async (secret: string, target: RunningService = gateway) =>
    (
      await fetch(`${target.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'ping' }] }),
      })
    ).status;

  it('after FLUSHALL, active keys work again and revoked ones still fail once the projection is rebuilt', async () => {
    const call = apiClient(controlPlane.url);
    const admin = (await login(call, ADMIN_EMAIL)).access;
    const tenant = await createActiveTenant(call, admin, unique('flush'));
    const create = async () => (await call<{ id: string; key: string }>('POST', '/api/api-keys/', { token: admin, body: { tenant: tenant.id, name: unique('k') } })).body;
    const active = await create();
    const revoked = await create();
    expect((await call('POST', `/api/api-keys/${revoked.id}/revoke/`, { token: admin })).status).toBe(200);
    await waitUntil(async () => (await chat(active.key)) === 200 && (await chat(revoked.key)) === 401, 1_000, 'keys in force');

    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    // A gateway that starts now has no cache to fall back on (the running one keeps serving its cached records
    // until their TTL): nothing to go by, so the good key is answered "retry", not "invalid".
    const fresh = await startGatewayService({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: controlPlane.redisKeyPrefix });
    try {
      expect(await chat(active.key, fresh)).toBe(503);

      const rebuild = await runProjectionRebuild({
        DATABASE_URL: controlPlane.databaseUrl,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: controlPlane.redisKeyPrefix,
        MOCK_PROVIDER_URL: mock.url,
      });
      expect(rebuild).toMatchObject({ code: 0 });
      await waitUntil(async () => (await chat(active.key, fresh)) === 200, 2_000, 'the active key after the rebuild');
      expect(await chat(revoked.key, fresh)).toBe(401);
    } finally {
      await fresh.close();
    }
  }, SERVICES_TIMEOUT_MS);
});
