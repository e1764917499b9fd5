import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { addMember, ADMIN_EMAIL, apiClient, type Call, createActiveTenant, login, TEST_PASSWORD, unique, waitUntil } from '@sluice/testing';
import { SERVICES_TIMEOUT_MS, startControlPlaneService, startGatewayService, startTogether, type RunningControlPlane, type RunningService } from './support/services';

/** A change made in the control plane is in force on every gateway within a second (README.md, "API: keys"). */
const PROPAGATION_DEADLINE_MS = 1_000;
const GRACE_SECONDS = 2;

interface KeyBody {
  id: string;
  key: string;
  expires_at: string | null;
  rotation_grace_ends_at: string | null;
}

interface Refusal {
  status: number;
  code: string | undefined;
}

// One control plane for both describes; the gateways start together.
let mock: MockProvider;
let controlPlane: RunningControlPlane;
let gateways: RunningService[];
let emptyGateway: RunningService;

beforeAll(async () => {
  mock = await startMockProvider();
  controlPlane = await startControlPlaneService({ SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD, MOCK_PROVIDER_URL: mock.url });
  // Both replicas read the projection the control plane writes (the same key prefix); the empty one a prefix of its own, which nothing writes.
  [emptyGateway, ...gateways] = await startTogether([
    startGatewayService({}, { waitForReady: false }),
    startGatewayService({ REDIS_KEY_PREFIX: controlPlane.redisKeyPrefix }),
    startGatewayService({ REDIS_KEY_PREFIX: controlPlane.redisKeyPrefix }),
  ]);
}, SERVICES_TIMEOUT_MS);

afterAll(async () => {
  // The gateways share the control plane's prefix: they close first, the control plane deletes the keys last.
  for (const gateway of [emptyGateway, ...(gateways ?? [])]) await gateway?.close();
  await controlPlane?.close();
  await mock?.close();
}, SERVICES_TIMEOUT_MS);

describe('API key changes reach every gateway replica (issue 5)', () => {
  let call: Call;
  let adminToken: string;

  beforeAll(async () => {
    call = apiClient(controlPlane.url);
    adminToken = (await login(call, ADMIN_EMAIL)).access;
  });

  /** An active tenant of its own with an owner, so one scenario's suspension or deletion cannot touch another's keys. */
  async function ownedTenant(): Promise<{ slug: string; id: string; ownerToken: string }> {
    const tenant = await createActiveTenant(call, adminToken, unique('propagation'));
    const email = `${unique('owner')}@example.com`;
    await addMember(call, adminToken, tenant.id, email, 'owner');
    return { ...tenant, ownerToken: (await login(call, email)).access };
  }

  async function createKey(tenant: { id: string; ownerToken: string }, body: Record<string, unknown> = {}): Promise<KeyBody> {
    const response = await call<KeyBody>('POST', '/api/api-keys/', { token: tenant.ownerToken, body: { tenant: tenant.id, name: unique('key'), ...body } });
    expect(response.status).toBe(201);
    return response.body;
  }

  async function chat(gateway: RunningService, secret: string): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'ping' }] }),
    });
  }

  async function refusal(gateway: RunningService, secret: string): Promise<Refusal> {
    const response = await chat(gateway, secret);
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, code: body.error?.code };
  }

  /**
   * Sleeps until `moment` (epoch ms): polling a key that still works would
   * count against the tenant's rate limit and end in 429s.
   */
  async function sleepUntil(moment: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, moment - Date.now())));
  }

  async function expectServedByBoth(secret: string): Promise<void> {
    for (const gateway of gateways) expect((await chat(gateway, secret)).status).toBe(200);
  }

  /** Polls both replicas until each refuses `secret` as `expected`, failing after `deadline` (epoch ms). */
  async function expectRefusedByBothBy(secret: string, expected: Refusal, deadline: number): Promise<void> {
    await Promise.all(
      gateways.map((gateway, replica) =>
        waitUntil(
          async () => {
            const seen = await refusal(gateway, secret);
            return seen.status === expected.status && seen.code === expected.code;
          },
          Math.max(0, deadline - Date.now()),
          `gateway ${replica} to answer ${expected.status} ${expected.code}`,
        ),
      ),
    );
    // And it stays refused: the refusal is not one replica's stale cache flapping.
    for (const gateway of gateways) expect(await refusal(gateway, secret)).toEqual(expected);
  }

  it('serves a key created in the control plane on both gateways', async () => {
    const tenant = await ownedTenant();
    const key = await createKey(tenant);
    await waitUntil(async () => (await chat(gateways[0], key.key)).status === 200, PROPAGATION_DEADLINE_MS, 'the new key');
    await expectServedByBoth(key.key);
  });

  it('revocation: both gateways refuse with 401 invalid_api_key within 1 s', async () => {
    const tenant = await ownedTenant();
    const key = await createKey(tenant);
    await expectServedByBoth(key.key);
    const revoked = await call('POST', `/api/api-keys/${key.id}/revoke/`, { token: tenant.ownerToken });
    const deadline = Date.now() + PROPAGATION_DEADLINE_MS;
    expect(revoked.status).toBe(200);
    await expectRefusedByBothBy(key.key, { status: 401, code: 'invalid_api_key' }, deadline);
  });

  it('tenant suspension: both gateways refuse with 403 tenant_suspended within 1 s', async () => {
    const tenant = await ownedTenant();
    const key = await createKey(tenant);
    await expectServedByBoth(key.key);
    const suspended = await call('POST', `/api/tenants/${tenant.slug}/suspend/`, { token: adminToken, body: { reason: 'Payment overdue' } });
    const deadline = Date.now() + PROPAGATION_DEADLINE_MS;
    expect(suspended.status).toBe(200);
    await expectRefusedByBothBy(key.key, { status: 403, code: 'tenant_suspended' }, deadline);
  });

  it('tenant deletion: both gateways refuse (403 tenant_suspended, the tenant is not active) within 1 s', async () => {
    const tenant = await ownedTenant();
    const key = await createKey(tenant);
    await expectServedByBoth(key.key);
    const deleted = await call('DELETE', `/api/tenants/${tenant.slug}/`, { token: tenant.ownerToken });
    const deadline = Date.now() + PROPAGATION_DEADLINE_MS;
    expect(deleted.status).toBe(204);
    await expectRefusedByBothBy(key.key, { status: 403, code: 'tenant_suspended' }, deadline);
  });

  it('expiry: both gateways refuse with 401 key_expired within 1 s of the expiry moment', async () => {
    const tenant = await ownedTenant();
    const key = await createKey(tenant, { expires_at: new Date(Date.now() + 2_000).toISOString() });
    const expiresAt = Date.parse(key.expires_at ?? '');
    expect(expiresAt).toBeGreaterThan(Date.now());
    await expectServedByBoth(key.key);
    await sleepUntil(expiresAt);
    await expectRefusedByBothBy(key.key, { status: 401, code: 'key_expired' }, expiresAt + PROPAGATION_DEADLINE_MS);
  });

  it('rotation: the old secret works during the grace period, then both gateways refuse it; the new one keeps working', async () => {
    const tenant = await ownedTenant();
    const key = await createKey(tenant);
    const rotated = await call<KeyBody>('POST', `/api/api-keys/${key.id}/rotate/`, { token: tenant.ownerToken, body: { grace_seconds: GRACE_SECONDS } });
    expect(rotated.status).toBe(200);
    const graceEndsAt = Date.parse(rotated.body.rotation_grace_ends_at ?? '');
    expect(graceEndsAt).toBeGreaterThan(Date.now());
    await waitUntil(async () => (await chat(gateways[0], rotated.body.key)).status === 200, PROPAGATION_DEADLINE_MS, 'the new secret');
    await expectServedByBoth(rotated.body.key);
    if (Date.now() < graceEndsAt - 500) await expectServedByBoth(key.key);
    // The old secret's record expires when the rotation's grace ends: it is then refused as expired.
    await sleepUntil(graceEndsAt);
    await expectRefusedByBothBy(key.key, { status: 401, code: 'key_expired' }, graceEndsAt + PROPAGATION_DEADLINE_MS);
    await expectServedByBoth(rotated.body.key);
  });
});

describe('a gateway with no projection at all (docs/limits.md, "When Redis is down")', () => {
  it('answers a well-formed key with 503 service_unavailable and Retry-After, so clients retry instead of discarding it', async () => {
    const call = apiClient(controlPlane.url);
    const adminToken = (await login(call, ADMIN_EMAIL)).access;
    const tenant = await createActiveTenant(call, adminToken, unique('empty-projection'));
    // A real key, issued by the control plane on its prefix: the empty gateway has never seen it.
    const created = await call<KeyBody>('POST', '/api/api-keys/', { token: adminToken, body: { tenant: tenant.id, name: 'good' } });
    expect(created.status).toBe(201);
    const response = await fetch(`${emptyGateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.body.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'ping' }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    expect({ status: response.status, code: body.error?.code }).toEqual({ status: 503, code: 'service_unavailable' });
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
