import { signAccessToken } from '@sluice/auth';
import { RedisKeys, type TenantRecordV1 } from '@sluice/contracts';
import { utcMonthStamp } from '@sluice/gateway/redis-state';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { expectErrorShape, waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

const JWT_SECRET = 'tenant-metrics-e2e-jwt-secret-0123456789';

interface TenantMetrics {
  tenant_id: string;
  daily: Record<string, string>;
  monthly: { total: string };
}

describe('GET /metrics/{tenant_id}', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;
  let tenant: TenantRecordV1;
  let readKey: string;
  const used: Record<string, number> = {};

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE, JWT_SECRET });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([
      mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')]),
      mockModel('mock-other', [mockDeployment('mock-other/0', mock.url, 'mock-fast')]),
    ]);
    tenant = await fixtures.tenant();
    readKey = (await fixtures.apiKey(tenant, { scopes: ['read'] })).secret;
    const { secret: inferenceKey } = await fixtures.apiKey(tenant);
    for (const model of ['mock-chat', 'mock-chat', 'mock-other']) {
      const response = await chat(inferenceKey, model);
      expect(response.status).toBe(200);
      const { usage } = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      used[model] = (used[model] ?? 0) + usage.prompt_tokens + usage.completion_tokens;
    }
    // Settlement runs after the answer: wait until all three requests are counted.
    const total = Object.values(used).reduce((sum, tokens) => sum + tokens, 0);
    await waitUntil(async () => (await fixtures.redis.get(monthlyKey(tenant.id))) === String(total), 5_000, 'the three settlements');
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  function chat(secret: string, model: string): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
    });
  }

  function metrics(tenantId: string, credential?: string, scheme = 'Bearer'): Promise<Response> {
    return fetch(`${gateway.url}/metrics/${tenantId}`, { headers: credential ? { authorization: `${scheme} ${credential}` } : {} });
  }

  function monthlyKey(tenantId: string): string {
    return RedisKeys.tenantMonthlyTokens(tenantId, utcMonthStamp(new Date()));
  }

  async function adminToken(isPlatformAdmin: boolean, secret = JWT_SECRET): Promise<string> {
    const issued = await signAccessToken(secret, { userId: randomUUID(), email: 'ops@example.com', isPlatformAdmin, sessionId: randomUUID() }, 900);
    return issued.token;
  }

  it("returns today's tokens by model and this month's total, as strings", async () => {
    const response = await metrics(tenant.id, readKey);
    expect(response.status).toBe(200);
    const body = (await response.json()) as TenantMetrics;
    const total = used['mock-chat'] + used['mock-other'];
    expect(body).toEqual({
      tenant_id: tenant.id,
      daily: { 'mock-chat': String(used['mock-chat']), 'mock-other': String(used['mock-other']) },
      monthly: { total: String(total) },
    });
    expect(total).toBeGreaterThan(0);
  });

  it('accepts Authorization: Token, as the control plane does, for a key and for an admin token', async () => {
    for (const credential of [readKey, await adminToken(true)]) {
      const response = await metrics(tenant.id, credential, 'Token');
      expect(response.status).toBe(200);
      expect(((await response.json()) as TenantMetrics).tenant_id).toBe(tenant.id);
    }
  });

  it("applies the key's policy of the inference routes: a suspended tenant is 403 tenant_suspended", async () => {
    const suspended = await fixtures.tenant({ slug: 'metrics-suspended', status: 'suspended', status_reason: 'Payment overdue' });
    const { secret } = await fixtures.apiKey(suspended, { scopes: ['read'] });
    const response = await metrics(suspended.id, secret);
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { message: string } };
    expectErrorShape(body, 'tenant_suspended');
    expect(body.error.message).toBe('Tenant metrics-suspended is suspended: Payment overdue');
  });

  it("applies the key's IP allow-list: 403 ip_not_allowed outside it, 200 inside", async () => {
    const refused = await fixtures.apiKey(tenant, { scopes: ['read'], allowed_ips: ['10.0.0.0/8', '2001:db8::/32'] });
    const response = await metrics(tenant.id, refused.secret);
    expect(response.status).toBe(403);
    expectErrorShape(await response.json(), 'ip_not_allowed');
    const allowed = await fixtures.apiKey(tenant, { scopes: ['read'], allowed_ips: ['127.0.0.0/8', '::1/128'] });
    expect((await metrics(tenant.id, allowed.secret)).status).toBe(200);
  });

  it('answers zeros for a tenant that has not used anything yet', async () => {
    const idle = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(idle, { scopes: ['read'] });
    const response = await metrics(idle.id, secret);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tenant_id: idle.id, daily: {}, monthly: { total: '0' } });
  });

  it('refuses a key of the tenant without the read scope with 403', async () => {
    const { secret } = await fixtures.apiKey(tenant, { scopes: ['inference'] });
    const response = await metrics(tenant.id, secret);
    expect(response.status).toBe(403);
    expectErrorShape(await response.json(), 'forbidden');
  });

  it("answers 404 to another tenant's key, as for a tenant that does not exist", async () => {
    const other = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(other, { scopes: ['read'] });
    const response = await metrics(tenant.id, secret);
    expect(response.status).toBe(404);
    expectErrorShape(await response.json(), 'not_found');
  });

  it("serves a platform admin's access token for any tenant, and 404 for an unknown or malformed tenant id", async () => {
    const token = await adminToken(true);
    const response = await metrics(tenant.id, token);
    expect(response.status).toBe(200);
    expect(((await response.json()) as TenantMetrics).monthly.total).toBe(String(used['mock-chat'] + used['mock-other']));
    for (const unknown of [randomUUID(), 'not-a-uuid']) {
      const missing = await metrics(unknown, token);
      expect(missing.status).toBe(404);
      expectErrorShape(await missing.json(), 'not_found');
    }
  });

  it('refuses a non-admin access token with 403', async () => {
    const response = await metrics(tenant.id, await adminToken(false));
    expect(response.status).toBe(403);
    expectErrorShape(await response.json(), 'forbidden');
  });

  it('refuses a revoked admin token, a token signed with another secret and no credentials with 401', async () => {
    const revoked = await signAccessToken(JWT_SECRET, { userId: randomUUID(), email: 'ops@example.com', isPlatformAdmin: true, sessionId: randomUUID() }, 900);
    await fixtures.redis.set(RedisKeys.revokedSession(revoked.claims.sid), '1', 'EX', 900);
    const forged = await adminToken(true, 'some-other-secret-that-is-long-enough-0123');
    for (const credential of [revoked.token, forged, undefined]) {
      const response = await metrics(tenant.id, credential);
      expect(response.status).toBe(401);
      expectErrorShape(await response.json(), 'unauthorized');
    }
  });

  it('leaves the Prometheus scrape to the metrics port: GET /metrics on the API port is 404', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
    const response = await fetch(gateway.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('# HELP');
  });
});
