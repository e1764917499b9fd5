import { DisposableRedisServer, expectErrorShape, waitUntil } from '@sluice/testing';
import { apiClient, login, TEST_PASSWORD, type Call } from './api-client';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { ADMIN_EMAIL } from './identity-fixture';

describe('the API while Redis is down', () => {
  let redis: DisposableRedisServer;
  let app: ControlPlaneUnderTest;
  let call: Call;
  beforeAll(async () => {
    redis = await DisposableRedisServer.start();
    app = await startControlPlane({ REDIS_URL: redis.url, SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD, THROTTLE_AUTHENTICATED_PER_HOUR: '5' });
    call = apiClient(app.url);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('answers 503 service_unavailable (never 500) to signed-in calls, and serves again once Redis is back', async () => {
    const { access } = await login(call, ADMIN_EMAIL);
    expect((await call('GET', '/api/auth/me/', { token: access })).status).toBe(200);
    await redis.stop();
    let response = await call('GET', '/api/auth/me/', { token: access });
    await waitUntil(async () => (response = await call('GET', '/api/auth/me/', { token: access })).status === 503, 5_000, '503 while Redis is down');
    expectErrorShape(response.body, 'service_unavailable');
    await redis.start();
    await waitUntil(async () => (await call('GET', '/api/auth/me/', { token: access })).status === 200, 10_000, 'service after Redis returns');
  });
});
