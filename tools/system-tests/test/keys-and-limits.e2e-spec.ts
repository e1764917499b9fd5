import { waitUntil } from '@sluice/testing';
import { Cluster } from './support/cluster';
import { awaitRoomInWindow, createActiveTenant, createPlan, DEFAULT_CHAT, uniqueName, type Tenant } from './support/tenants';

const MINUTE = 60;

interface CreatedKey {
  id: string;
  key: string;
}

interface LiveLimits {
  windows: Array<{ level: string; limit: string; value: number; used: number; remaining: number; reset: number }>;
  rate_limit: { requests: { limit: number; remaining: number; reset: number } | null };
}

/**
 * Keys and limits against the real gateway (docs/limits.md): domain
 * restrictions, what each environment reaches and spends, deletion in force
 * within a second, and live limits that read the counters the gateway admits against.
 */
describe('keys and limits through the gateway', () => {
  let cluster: Cluster;
  let gateway: string;

  beforeAll(async () => {
    cluster = await Cluster.start({ controlPlanes: 1, gateways: 1, devMockUpstream: true });
    gateway = cluster.gateways[0].url;
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  /** A key of `tenant`, in force at the gateway when this returns (`probe`: headers the key accepts). */
  async function key(tenant: Tenant, fields: Record<string, unknown> = {}, probe: Record<string, string> = {}): Promise<CreatedKey> {
    const response = await cluster.call<CreatedKey>('POST', '/api/api-keys/', { token: cluster.adminToken, body: { tenant: tenant.id, name: uniqueName('key'), ...fields } });
    if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${JSON.stringify(response.body)}`);
    await waitUntil(async () => (await models(response.body.key, probe)) === 200, 5_000, 'the gateway to accept the new key');
    return response.body;
  }

  /** `GET /v1/models` authenticates like inference, without admission. */
  async function models(secret: string, headers: Record<string, string> = {}): Promise<number> {
    return (await fetch(`${gateway}/v1/models`, { headers: { authorization: `Bearer ${secret}`, ...headers } })).status;
  }

  async function chat(secret: string, { model = DEFAULT_CHAT.model, headers = {} }: { model?: string; headers?: Record<string, string> } = {}) {
    const response = await fetch(`${gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: DEFAULT_CHAT.content }], max_tokens: DEFAULT_CHAT.maxTokens }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as { error?: { code: string; message: string; type: string; param: unknown; details: unknown } } };
  }

  it('refuses an origin outside the key’s host patterns with 403 origin_not_allowed, and a request without one only when the key says so', async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster));
    const strict = await key(tenant, { allowed_origins: ['*.example.com', 'example.org'], allow_no_origin: false }, { origin: 'https://app.example.com' });
    expect(await models(strict.key, { origin: 'https://evil.test' })).toBe(403);

    expect((await chat(strict.key, { headers: { origin: 'https://app.example.com' } })).status).toBe(200);
    expect((await chat(strict.key, { headers: { origin: 'https://example.org:8443' } })).status).toBe(200);
    expect((await chat(strict.key, { headers: { referer: 'https://shop.example.com/cart' } })).status).toBe(200);
    const refusedHeaders: Array<Record<string, string>> = [{ origin: 'https://evil.test' }, { origin: 'https://example.com' }, { origin: 'null' }, { origin: 'https://evil.test', referer: 'https://app.example.com/' }, {}];
    for (const headers of refusedHeaders) {
      const refused = await chat(strict.key, { headers });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toEqual(expect.objectContaining({ code: 'origin_not_allowed', type: 'permission_error', message: expect.any(String), details: expect.any(Object) }));
      expect(refused.body.error).toHaveProperty('param');
    }
    // Refused before admission: nothing was counted for the refused requests.
    const live = await cluster.call<LiveLimits>('GET', `/api/tenants/${tenant.slug}/limits/`, { token: cluster.adminToken });
    expect(live.body.windows.find((window) => window.limit === 'rpm')?.used).toBe(3);

    const lenient = await key(tenant, { allowed_origins: ['app.example.com'] });
    expect((await chat(lenient.key)).status).toBe(200);
    expect((await chat(lenient.key, { headers: { origin: 'https://other.example.com' } })).status).toBe(403);
    const anywhere = await key(tenant, { allow_no_origin: false }, { origin: 'https://anything.test' });
    expect((await chat(anywhere.key, { headers: { origin: 'https://anything.test' } })).status).toBe(200);
    expect((await chat(anywhere.key)).status).toBe(403);
  });

  it('lets test and development keys reach sandbox models only, without credit; staging keys reach every model and spend it', async () => {
    const postpaid = await createActiveTenant(cluster, await createPlan(cluster));
    for (const environment of ['test', 'development']) {
      const sandboxed = await key(postpaid, { environment });
      expect((await chat(sandboxed.key)).status).toBe(200);
      const refused = await chat(sandboxed.key, { model: 'gpt-4o-mini' });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'model_not_allowed' });
    }
    const staging = await key(postpaid, { environment: 'staging' });
    expect((await chat(staging.key, { model: 'gpt-4o-mini' })).status).toBe(200);

    // A prepaid tenant with no credit: staging spends it (402), development never does.
    const prepaid = await createActiveTenant(cluster, await createPlan(cluster, { billing_mode: 'prepaid' }));
    const stagingPrepaid = await key(prepaid, { environment: 'staging' });
    const unpaid = await chat(stagingPrepaid.key);
    expect(unpaid.status).toBe(402);
    expect(unpaid.body.error).toMatchObject({ code: 'insufficient_credits' });
    expect((await chat((await key(prepaid, { environment: 'development' })).key)).status).toBe(200);
  });

  it('a deleted key is refused by the gateway within a second, and disappears from lists', async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster));
    const doomed = await key(tenant);
    expect((await chat(doomed.key)).status).toBe(200);

    const unconfirmed = await cluster.call('DELETE', `/api/api-keys/${doomed.id}/`, { token: cluster.adminToken, body: {} });
    expect(unconfirmed.status).toBe(400);
    expect((await chat(doomed.key)).status).toBe(200);

    const deleted = await cluster.call('DELETE', `/api/api-keys/${doomed.id}/`, { token: cluster.adminToken, body: { confirm: true } });
    expect(deleted.status).toBe(204);
    await waitUntil(async () => (await chat(doomed.key)).status === 401, 1_000, 'the gateway to refuse the deleted key');
    const refused = await chat(doomed.key);
    expect(refused.body.error).toMatchObject({ code: 'invalid_api_key' });
    const listed = await cluster.call<{ results: Array<{ id: string }> }>('GET', `/api/api-keys/?tenant=${tenant.id}`, { token: cluster.adminToken });
    expect(listed.body.results.map((row) => row.id)).not.toContain(doomed.id);
  });

  it("live limits match the gateway's rate-limit headers: the last request's, and one less on the next", async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { limits: { rpm: 40 } }));
    const limited = await key(tenant, { limits: { rpm: 25 } });
    await awaitRoomInWindow(MINUTE, 15_000);

    let last = await chat(limited.key);
    for (let i = 0; i < 3; i += 1) last = await chat(limited.key);
    expect(last.status).toBe(200);
    const headers = (answer: { headers: Headers }) => ({
      limit: Number(answer.headers.get('X-RateLimit-Limit')),
      remaining: Number(answer.headers.get('X-RateLimit-Remaining')),
      reset: Number(answer.headers.get('X-RateLimit-Reset')),
    });
    expect(headers(last)).toEqual(expect.objectContaining({ limit: 25, remaining: 21 }));

    const keyLimits = await cluster.call<LiveLimits>('GET', `/api/api-keys/${limited.id}/limits/`, { token: cluster.adminToken });
    expect(keyLimits.status).toBe(200);
    expect(keyLimits.body.rate_limit.requests).toEqual(headers(last));
    expect(keyLimits.body.windows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'tenant', limit: 'rpm', value: 40, used: 4, remaining: 36, reset: headers(last).reset }),
        expect.objectContaining({ level: 'key', limit: 'rpm', value: 25, used: 4, remaining: 21, reset: headers(last).reset }),
      ]),
    );
    const tenantLimits = await cluster.call<LiveLimits>('GET', `/api/tenants/${tenant.slug}/limits/`, { token: cluster.adminToken });
    expect(tenantLimits.body.rate_limit.requests).toEqual({ limit: 40, remaining: 36, reset: headers(last).reset });

    const next = await chat(limited.key);
    expect(headers(next)).toEqual({ ...headers(last), remaining: (keyLimits.body.rate_limit.requests?.remaining ?? NaN) - 1 });
  });
});
