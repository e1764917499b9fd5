import { waitUntil } from '@sluice/testing';
import OpenAI, { PermissionDeniedError } from 'openai';
import { ADMIN_EMAIL, Cluster, TEST_PASSWORD } from './support/cluster';
import { uniqueName } from './support/tenants';

interface TenantObject {
  id: string;
  slug: string;
  status: string;
  subscription_tier: string;
  quota: { api_calls_used: number; ai_tokens_used: number };
}

interface TenantMetrics {
  tenant_id: string;
  daily: Record<string, string>;
  monthly: { total: string };
}

/**
 * The first hour of a platform team that follows the API document the product
 * started from (README, "API: signing in and creating a tenant"), step by step
 * and in its words: `username` sign-in, `Authorization: Token`, a `basic`
 * tenant, a `["read", "write"]` key, `gpt-4` through the official OpenAI SDK
 * (served offline by the mock provider, as under `npm start`), the tenant's
 * metrics and quota, then suspension and restoration.
 */
describe('the original API walked end to end, call by call', () => {
  let cluster: Cluster;
  let token: string;

  beforeAll(async () => {
    cluster = await Cluster.start({ controlPlanes: 1, gateways: 1, devMockUpstream: true });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  /** The original API's header: `Authorization: Token {your-token}`. */
  const asToken = (path: string, method = 'GET', body?: unknown) =>
    cluster.call<Record<string, unknown>>(method, path, { headers: { authorization: `Token ${token}` }, body });

  it('signs in with username and password and gets a token', async () => {
    const signIn = await cluster.call<{ token: string }>('POST', '/api/auth/token/', {
      body: { username: ADMIN_EMAIL, password: TEST_PASSWORD },
    });
    expect(signIn.status).toBe(200);
    expect(typeof signIn.body.token).toBe('string');
    token = signIn.body.token;
  });

  let tenant: TenantObject;
  let key: string;

  it('creates a basic tenant, activates it, adds a member and creates a read/write key', async () => {
    const slug = uniqueName('new-company');
    const created = await asToken('/api/tenants/', 'POST', {
      name: 'New Company',
      slug,
      contact_email: 'admin@newcompany.com',
      contact_name: 'Jane Smith',
      subscription_tier: 'basic',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug, subscription_tier: 'basic', status: 'pending' });

    const activated = await asToken(`/api/tenants/${slug}/activate/`, 'POST');
    expect(activated.status).toBe(200);
    tenant = (await asToken(`/api/tenants/${slug}/`)).body as unknown as TenantObject;
    expect(tenant.status).toBe('active');

    const user = await asToken('/api/users/', 'POST', { email: `${slug}@newcompany.com`, password: 'a member of the new company 7' });
    expect(user.status).toBe(201);
    const member = await asToken('/api/tenant-users/', 'POST', { tenant: tenant.id, user: user.body['id'], role: 'member' });
    expect(member.status).toBe(201);

    const expiresAt = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const apiKey = await asToken('/api/api-keys/', 'POST', { tenant: tenant.id, name: 'Production API Key', scopes: ['read', 'write'], expires_at: expiresAt });
    expect(apiKey.status).toBe(201);
    key = apiKey.body['key'] as string;
  });

  const openai = () => new OpenAI({ apiKey: key, baseURL: `${cluster.gateways[0].url}/v1`, maxRetries: 0 });
  const hello = [
    { role: 'system' as const, content: 'You are a helpful assistant.' },
    { role: 'user' as const, content: 'Hello!' },
  ];

  it('chats with gpt-4 through the official OpenAI SDK, plain and streaming', async () => {
    await waitUntil(
      async () => (await fetch(`${cluster.gateways[0].url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status === 200,
      5_000,
      'the gateway to know the key',
    );
    const { data: completion, response } = await openai()
      .chat.completions.create({ model: 'gpt-4', messages: hello, temperature: 0.7, max_tokens: 1000, tenant_id: tenant.id } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(completion.model).toBe('gpt-4');
    expect(completion.choices[0].message.content).toBeTruthy();
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-sluice-upstream')).toBe('mock');

    const stream = await openai().chat.completions.create({ model: 'gpt-4', messages: hello, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let totalTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      totalTokens = chunk.usage?.total_tokens ?? totalTokens;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(totalTokens).toBeGreaterThan(0);
  });

  it("reads the tenant's metrics on the gateway with Authorization: Token, and its quota counts the calls and tokens", async () => {
    await waitUntil(
      async () => {
        const response = await fetch(`${cluster.gateways[0].url}/metrics/${tenant.id}`, { headers: { authorization: `Token ${key}` } });
        if (response.status !== 200) throw new Error(`GET /metrics/{tenant_id} answered ${response.status}: ${await response.text()}`);
        const metrics = (await response.json()) as TenantMetrics;
        return metrics.tenant_id === tenant.id && Number(metrics.daily['gpt-4'] ?? 0) > 0 && Number(metrics.monthly.total) > 0;
      },
      10_000,
      "gpt-4's tokens in the tenant's metrics",
    );
    await waitUntil(
      async () => {
        const quota = (await asToken(`/api/tenants/${tenant.slug}/quota/`)).body as unknown as TenantObject['quota'];
        return quota.api_calls_used === 2 && quota.ai_tokens_used > 0;
      },
      10_000,
      'both calls and their tokens in the quota',
    );
  });

  it('suspension refuses the key within a second (403), restoration serves it again', async () => {
    expect((await asToken(`/api/tenants/${tenant.slug}/suspend/`, 'POST', { reason: 'Payment overdue' })).status).toBe(200);
    await waitUntil(
      async () => {
        try {
          await openai().chat.completions.create({ model: 'gpt-4', messages: hello });
          return false;
        } catch (error) {
          return error instanceof PermissionDeniedError;
        }
      },
      1_000,
      'the suspended tenant to get 403',
    );

    expect((await asToken(`/api/tenants/${tenant.slug}/restore/`, 'POST')).status).toBe(200);
    await waitUntil(
      async () => {
        try {
          await openai().chat.completions.create({ model: 'gpt-4', messages: hello });
          return true;
        } catch {
          return false;
        }
      },
      1_000,
      'the restored tenant to chat again',
    );
  });
});
