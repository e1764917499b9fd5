import { expectErrorShape, rawRequest } from '@sluice/testing';
import { apiClient, login, TEST_PASSWORD, unique, type Call } from './api-client';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { ADMIN_EMAIL } from './identity-fixture';

describe('throttling (docs/decisions.md, "Identity and tenancy")', () => {
  let app: ControlPlaneUnderTest;
  let replica: ControlPlaneUnderTest;
  let call: Call;
  let replicaCall: Call;
  beforeAll(async () => {
    const limits = { THROTTLE_ANONYMOUS_PER_HOUR: '6', THROTTLE_AUTHENTICATED_PER_HOUR: '8', THROTTLE_LOGIN_PER_MINUTE: '3', THROTTLE_SIGNUP_PER_HOUR: '2' };
    app = await startControlPlane({ SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD, ...limits });
    // A second replica on the same database and Redis: the counters are shared.
    replica = await startControlPlane({ DATABASE_URL: app.databaseUrl, REDIS_KEY_PREFIX: app.redisKeyPrefix, ...limits });
    call = apiClient(app.url);
    replicaCall = apiClient(replica.url);
  });
  afterAll(async () => {
    await replica?.app.close();
    await app?.close();
  });

  it('limits logins per address and username across replicas, with Retry-After', async () => {
    const attempt = (target: Call) => target('POST', '/api/auth/token/', { body: { email: 'victim@example.com', password: 'wrong password!!' } });
    expect((await attempt(call)).status).toBe(401);
    expect((await attempt(replicaCall)).status).toBe(401);
    const third = await attempt(call);
    expect(third.status).toBe(401);
    expect(third.headers.get('x-ratelimit-remaining')).toBe('0');
    const fourth = await attempt(replicaCall);
    expect(fourth.status).toBe(429);
    expectErrorShape(fourth.body, 'rate_limit_exceeded');
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(fourth.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    // Another account from the same address is not locked out by it.
    expect((await call('POST', '/api/auth/token/', { body: { email: ADMIN_EMAIL, password: TEST_PASSWORD } })).status).toBe(200);
  });

  it('counts a signed-in principal against its own hourly limit, with the headers', async () => {
    const { access } = await login(call, ADMIN_EMAIL);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<Call>> | undefined;
    for (let i = 0; i < 9; i++) {
      // Every other call spells the path differently: the limit goes by the route matched, not the URL.
      last = await (i % 2 ? replicaCall : call)('GET', i % 2 ? '/%61pi/auth/%6De/' : '/api/auth/me/', { token: access });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    expect(last?.headers.get('x-ratelimit-limit')).toBe('8');
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('limits sign-ups per address across replicas and spellings of the path, refused ones included', async () => {
    const signUp = (email: string) => ({
      email,
      password: 'Quartz-Lantern-81-Meadow',
      password_confirm: 'Quartz-Lantern-81-Meadow',
      first_name: 'Sig',
      last_name: 'Nup',
      tenant_name: unique('signup'),
    });
    const first = await rawRequest(app.url, 'POST', '/%61pi/auth/register/', { body: signUp(`${unique('first')}@example.com`) });
    expect(first.status).toBe(201);
    // A refused registration counts too: the limit is on attempts, not on accounts made.
    const invalid = await rawRequest(replica.url, 'POST', '/api/auth/%72egister', { body: { email: 'not an email' } });
    expect(invalid.status).toBe(400);
    const email = `${unique('third')}@example.com`;
    const third = await rawRequest(app.url, 'POST', '/api/auth/register/', { body: signUp(email) });
    expect(third.status).toBe(429);
    expectErrorShape(third.body, 'rate_limit_exceeded');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(third.headers['x-ratelimit-limit']).toBe('2');
    // Nothing was created: the account does not exist.
    expect((await call('POST', '/api/auth/token/', { body: { email, password: 'Quartz-Lantern-81-Meadow' } })).status).toBe(401);
  });

  it('counts anonymous callers per address, however the path is spelt', async () => {
    let status = 0;
    for (let i = 0; i < 8 && status !== 429; i++) {
      status = (await call('POST', '/%61pi/auth/%74oken/refresh/', { body: { refresh: 'slr_not-a-token' } })).status;
    }
    expect(status).toBe(429);
  });
});
