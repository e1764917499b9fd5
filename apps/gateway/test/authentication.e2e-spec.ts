import { generateApiKey } from '@sluice/auth';
import { ProjectionReader } from '@sluice/gateway/redis-state';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { expectErrorShape, waitUntil } from '@sluice/testing';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

const SUSPENSION_DEADLINE_MS = 1_000;

describe('gateway authentication and authorisation', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([
      mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')]),
      mockModel('premium-chat', [mockDeployment('premium-chat/0', mock.url, 'mock-smart')]),
    ]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  function chat(headers: Record<string, string>, model = 'mock-chat'): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
    });
  }

  async function expectError(response: Response, status: number, code: string): Promise<{ message: string }> {
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { message: string } };
    expectErrorShape(body, code);
    return body.error;
  }

  async function keyFor(keyOverrides: Parameters<GatewayFixtures['apiKey']>[1] = {}, tenantOverrides: Parameters<GatewayFixtures['tenant']>[0] = {}) {
    const tenant = await fixtures.tenant(tenantOverrides);
    const { secret } = await fixtures.apiKey(tenant, keyOverrides);
    return { tenant, secret };
  }

  it('accepts a key in Authorization: Bearer and in x-api-key', async () => {
    const { secret } = await keyFor();
    expect((await chat({ authorization: `Bearer ${secret}` })).status).toBe(200);
    expect((await chat({ 'x-api-key': secret })).status).toBe(200);
  });

  it('accepts Authorization: Token <key>, as the control plane does, on chat and models', async () => {
    const { secret } = await keyFor();
    expect((await chat({ authorization: `Token ${secret}` })).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Token ${secret}` } })).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/models/mock-chat`, { headers: { authorization: `token ${secret}` } })).status).toBe(200);
  });

  it('refuses a missing or malformed key with 401 invalid_api_key, without a Redis lookup', async () => {
    await expectError(await chat({}), 401, 'invalid_api_key');
    const { secret } = generateApiKey('live');
    const badChecksum = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    const lookups = jest.spyOn(gateway.app.get(ProjectionReader), 'getApiKey');
    try {
      for (const malformed of ['not-a-key', badChecksum, 'slk_live_short']) {
        await expectError(await chat({ authorization: `Bearer ${malformed}` }), 401, 'invalid_api_key');
      }
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
  });

  it('refuses unknown and revoked keys with 401 invalid_api_key', async () => {
    await expectError(await chat({ authorization: `Bearer ${generateApiKey('live').secret}` }), 401, 'invalid_api_key');
    const { secret } = await keyFor({ status: 'revoked' });
    await expectError(await chat({ authorization: `Bearer ${secret}` }), 401, 'invalid_api_key');
  });

  it('refuses an expired key with 401 key_expired', async () => {
    const { secret } = await keyFor({ expires_at: '2020-01-01T00:00:00.000Z' });
    await expectError(await chat({ authorization: `Bearer ${secret}` }), 401, 'key_expired');
  });

  it('refuses a key without the inference scope with 403 forbidden', async () => {
    const { secret } = await keyFor({ scopes: ['read'] });
    await expectError(await chat({ authorization: `Bearer ${secret}` }), 403, 'forbidden');
  });

  it('serves a key with the default scopes read and write: write implies inference', async () => {
    const { secret } = await keyFor({ scopes: ['read', 'write'] });
    expect((await chat({ authorization: `Bearer ${secret}` })).status).toBe(200);
  });

  it('refuses a suspended tenant with 403 tenant_suspended naming the reason', async () => {
    const { secret } = await keyFor({}, { slug: 'acme-suspended', status: 'suspended', status_reason: 'Payment overdue' });
    const error = await expectError(await chat({ authorization: `Bearer ${secret}` }), 403, 'tenant_suspended');
    expect(error.message).toBe('Tenant acme-suspended is suspended: Payment overdue');
  });

  it('refuses every key of a tenant within 1 s of its suspension', async () => {
    const { tenant, secret } = await keyFor();
    expect((await chat({ authorization: `Bearer ${secret}` })).status).toBe(200);
    await fixtures.writeTenant({ ...tenant, status: 'suspended', status_reason: 'Payment overdue' });
    await waitUntil(async () => (await chat({ authorization: `Bearer ${secret}` })).status === 403, SUSPENSION_DEADLINE_MS, 'the suspension to apply');
    await expectError(await chat({ authorization: `Bearer ${secret}` }), 403, 'tenant_suspended');
  });

  it('checks the client address against allowed_ips', async () => {
    const allowed = await keyFor({ allowed_ips: ['127.0.0.0/8'] });
    expect((await chat({ authorization: `Bearer ${allowed.secret}` })).status).toBe(200);
    const refused = await keyFor({ allowed_ips: ['10.0.0.0/8', '2001:db8::/32'] });
    await expectError(await chat({ authorization: `Bearer ${refused.secret}` }), 403, 'ip_not_allowed');
  });

  it('refuses models outside the key’s or the tenant’s globs with 403 model_not_allowed', async () => {
    const byKey = await keyFor({ allowed_models: ['mock-*'] });
    expect((await chat({ authorization: `Bearer ${byKey.secret}` })).status).toBe(200);
    await expectError(await chat({ authorization: `Bearer ${byKey.secret}` }, 'premium-chat'), 403, 'model_not_allowed');
    const byTenant = await keyFor({}, { allowed_models: ['premium-*'] });
    await expectError(await chat({ authorization: `Bearer ${byTenant.secret}` }), 403, 'model_not_allowed');
  });

  it('answers an unknown model with 404 model_not_found', async () => {
    const { secret } = await keyFor();
    await expectError(await chat({ authorization: `Bearer ${secret}` }, 'no-such-model'), 404, 'model_not_found');
  });

  it('refuses a test key on a non-sandbox model with 403 model_not_allowed', async () => {
    const { secret } = await keyFor({ environment: 'test' });
    await expectError(await chat({ authorization: `Bearer ${secret}` }), 403, 'model_not_allowed');
  });

  it('requires a key on /v1/models too', async () => {
    await expectError(await fetch(`${gateway.url}/v1/models`), 401, 'invalid_api_key');
  });
});

describe('gateway authentication while Redis is unreachable', () => {
  it('answers 503 service_unavailable, never 401, for a well-formed key', async () => {
    const gateway = await startGateway({ REDIS_URL: 'redis://127.0.0.1:1/0' }, { waitForReady: false });
    try {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${generateApiKey('live').secret}` },
        body: JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(response.status).toBe(503);
      expectErrorShape(await response.json(), 'service_unavailable');
    } finally {
      await gateway.close();
    }
  });
});
