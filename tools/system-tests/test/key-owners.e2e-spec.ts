import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { addMember, ADMIN_EMAIL, apiClient, type Call, createActiveTenant, login, TEST_PASSWORD, unique, waitUntil } from '@sluice/testing';
import { SERVICES_TIMEOUT_MS, startControlPlaneService, startGatewayService, type RunningControlPlane, type RunningService } from './support/services';

/** Issue 15: when a key's owner leaves, is deactivated or demoted, the gateway knows within a second. */
const PROPAGATION_DEADLINE_MS = 1_000;

interface Person {
  membershipId: string;
  userId: string;
  token: string;
}

describe("a key's owner changes, the gateway follows (issue 15; default-scoped keys, issue 14)", () => {
  let mock: MockProvider;
  let controlPlane: RunningControlPlane;
  let gateway: RunningService;
  let call: Call;
  let adminToken: string;
  let tenant: { id: string; slug: string };
  let owner: Person;

  beforeAll(async () => {
    mock = await startMockProvider();
    controlPlane = await startControlPlaneService({ SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD, MOCK_PROVIDER_URL: mock.url });
    gateway = await startGatewayService({ REDIS_KEY_PREFIX: controlPlane.redisKeyPrefix });
    call = apiClient(controlPlane.url);
    adminToken = (await login(call, ADMIN_EMAIL)).access;
    tenant = await createActiveTenant(call, adminToken, unique('owners'));
    owner = await person('owner');
  }, SERVICES_TIMEOUT_MS);

  afterAll(async () => {
    await gateway?.close();
    await controlPlane?.close();
    await mock?.close();
  }, SERVICES_TIMEOUT_MS);

  async function person(role: string): Promise<Person> {
    const email = `${unique(role)}@example.com`;
    const membership = await addMember(call, adminToken, tenant.id, email, role);
    return { membershipId: membership.id, userId: membership.user, token: (await login(call, email)).access };
  }

  async function createKey(token: string, scopes: string[]): Promise<{ id: string; key: string }> {
    const created = await call<{ id: string; key: string }>('POST', '/api/api-keys/', { token, body: { tenant: tenant.id, name: unique('key'), scopes } });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function chat(secret: string): Promise<{ status: number; code: string | undefined }> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'ping' }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, code: body.error?.code };
  }

  async function expectServed(secret: string): Promise<void> {
    await waitUntil(async () => (await chat(secret)).status === 200, PROPAGATION_DEADLINE_MS, 'the key to be served');
  }

  /** Polls until the gateway refuses `secret` with 401 invalid_api_key, failing after `deadline` (epoch ms). */
  async function expectRevokedBy(secret: string, deadline: number): Promise<void> {
    await waitUntil(async () => (await chat(secret)).code === 'invalid_api_key', Math.max(0, deadline - Date.now()), 'the gateway to refuse the key');
    expect(await chat(secret)).toEqual({ status: 401, code: 'invalid_api_key' });
  }

  it('chats with a key of the default scopes, read and write', async () => {
    const key = await createKey(owner.token, ['read', 'write']);
    await expectServed(key.key);
  });

  it("removal: the member's key is refused by the control plane at once and by the gateway within 1 s", async () => {
    const member = await person('member');
    const key = await createKey(member.token, ['inference', 'read']);
    await expectServed(key.key);
    expect((await call('DELETE', `/api/tenant-users/${member.membershipId}/`, { token: owner.token })).status).toBe(204);
    const deadline = Date.now() + PROPAGATION_DEADLINE_MS;
    expect((await call('GET', `/api/tenants/${tenant.slug}/`, { token: key.key })).status).toBe(401);
    await expectRevokedBy(key.key, deadline);
  });

  it('deactivation: refused by the gateway within 1 s', async () => {
    const member = await person('member');
    const key = await createKey(member.token, ['inference']);
    await expectServed(key.key);
    expect((await call('PATCH', `/api/users/${member.userId}/`, { token: adminToken, body: { is_active: false } })).status).toBe(200);
    await expectRevokedBy(key.key, Date.now() + PROPAGATION_DEADLINE_MS);
  });

  it("demotion: an admin's write key still chats as a member's; demoted to viewer, it is refused within 1 s", async () => {
    const admin = await person('admin');
    const key = await createKey(admin.token, ['write']);
    await expectServed(key.key);
    expect((await call('PATCH', `/api/tenant-users/${admin.membershipId}/`, { token: owner.token, body: { role: 'member' } })).status).toBe(200);
    expect((await call('PATCH', `/api/tenants/${tenant.slug}/`, { token: key.key, body: { contact_name: 'demoted' } })).status).toBe(403);
    expect((await chat(key.key)).status).toBe(200);
    expect((await call('PATCH', `/api/tenant-users/${admin.membershipId}/`, { token: owner.token, body: { role: 'viewer' } })).status).toBe(200);
    const deadline = Date.now() + PROPAGATION_DEADLINE_MS;
    expect((await call('GET', `/api/tenants/${tenant.slug}/`, { token: key.key })).status).toBe(401);
    await expectRevokedBy(key.key, deadline);
  });
});
