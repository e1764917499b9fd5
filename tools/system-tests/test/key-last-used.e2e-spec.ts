import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { addMember, ADMIN_EMAIL, apiClient, type Call, createActiveTenant, login, TEST_PASSWORD, unique, waitUntil } from '@sluice/testing';
import { SERVICES_TIMEOUT_MS, startControlPlaneService, startGatewayService, type RunningControlPlane, type RunningService } from './support/services';

/** How long a chat may take to reach the ledger (gateway → usage stream → consumer); generous, polled. */
const METERING_DEADLINE_MS = 10_000;

interface KeyBody {
  id: string;
  key: string;
  last_used_at: string | null;
}

describe("an API key's last_used_at comes from the usage the gateway meters (issue 14)", () => {
  let mock: MockProvider;
  let controlPlane: RunningControlPlane;
  let gateway: RunningService;
  let call: Call;

  beforeAll(async () => {
    mock = await startMockProvider();
    controlPlane = await startControlPlaneService({ SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD, MOCK_PROVIDER_URL: mock.url });
    gateway = await startGatewayService({ REDIS_KEY_PREFIX: controlPlane.redisKeyPrefix });
    call = apiClient(controlPlane.url);
  }, SERVICES_TIMEOUT_MS);

  afterAll(async () => {
    // The gateway shares the control plane's prefix: it closes first, the control plane deletes the keys last.
    await gateway?.close();
    await controlPlane?.close();
    await mock?.close();
  }, SERVICES_TIMEOUT_MS);

  async function chat(secret: string): Promise<number> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'ping' }] }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  it('is null until the key is used, then set once its chat is metered, and not rewritten within the minute', async () => {
    const adminToken = (await login(call, ADMIN_EMAIL)).access;
    const tenant = await createActiveTenant(call, adminToken, unique('last-used'));
    const email = `${unique('owner')}@example.com`;
    await addMember(call, adminToken, tenant.id, email, 'owner');
    const token = (await login(call, email)).access;
    const created = await call<KeyBody>('POST', '/api/api-keys/', { token, body: { tenant: tenant.id, name: unique('key') } });
    expect(created.status).toBe(201);
    expect(created.body.last_used_at).toBeNull();
    const key = created.body;
    const read = async () => (await call<KeyBody>('GET', `/api/api-keys/${key.id}/`, { token })).body.last_used_at;
    const requestsMetered = async () =>
      (await call<{ totals: { requests: number } }>('GET', `/api/api-keys/${key.id}/usage/`, { token })).body.totals?.requests ?? 0;

    const before = Date.now();
    // The key reaches the gateway's projection within a second (key-propagation.e2e-spec.ts).
    await waitUntil(async () => (await chat(key.key)) === 200, METERING_DEADLINE_MS, 'the new key to be served');
    await waitUntil(async () => (await read()) !== null, METERING_DEADLINE_MS, 'last_used_at to be set');
    const first = (await read()) as string;
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(first)).toBeLessThanOrEqual(Date.now());

    // A second use within the minute is metered, but the key's row is not written again.
    expect(await chat(key.key)).toBe(200);
    await waitUntil(async () => (await requestsMetered()) === 2, METERING_DEADLINE_MS, 'the second chat to be metered');
    expect(await read()).toBe(first);
  });
});
