import { waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { Cluster } from './support/cluster';
import { chat, createActiveTenant, createKey, uniqueName, type Tenant } from './support/tenants';

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/**
 * Which plan a tenant is on decides whether it can chat (docs/limits.md,
 * Plans): the subscription tiers are postpaid subscriptions, prepaid credit is a plan
 * of its own whose refusals say how to top up, and a self-registered tenant is
 * on the free plan, which reaches only sandbox and cheap models.
 */
describe("subscription tiers, prepaid plans and the sign-up plan, through the control plane and a gateway", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ controlPlanes: 1, gateways: 1 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  const gatewayUrl = () => cluster.gateways[0].url;
  const tenantOf = async (slug: string) =>
    (await cluster.call<{ subscription_tier: string }>('GET', `/api/tenants/${slug}/`, { token: cluster.adminToken })).body.subscription_tier;

  it.each(['basic', 'professional', 'enterprise'])('a tenant created with subscription_tier %s chats at once: the tier is postpaid', async (tier) => {
    const tenant = await createActiveTenant(cluster, tier);
    const { key } = await createKey(cluster, tenant);
    const response = await chat(gatewayUrl(), key, { model: 'mock-fast' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: 'chat.completion' });
    const plan = await cluster.call<{ billing_mode: string }>('GET', `/api/plans/${tier}/`, { token: cluster.adminToken });
    expect(plan.body.billing_mode).toBe('postpaid');
  });

  it('a tenant created without a tier is on basic and chats', async () => {
    const slug = uniqueName('tenant');
    expect((await cluster.call('POST', '/api/tenants/', { token: cluster.adminToken, body: { name: 'No tier', slug } })).status).toBe(201);
    expect((await cluster.call('POST', `/api/tenants/${slug}/activate/`, { token: cluster.adminToken })).status).toBe(200);
    expect(await tenantOf(slug)).toBe('basic');
    const tenant = (await cluster.call<Tenant>('GET', `/api/tenants/${slug}/`, { token: cluster.adminToken })).body;
    const { key } = await createKey(cluster, { id: tenant.id, slug });
    expect((await chat(gatewayUrl(), key)).status).toBe(200);
  });

  it('a tenant on the prepaid plan with a zero balance gets 402 insufficient_credits naming the top-up route; after a top-up it chats', async () => {
    const tenant = await createActiveTenant(cluster, 'prepaid');
    const { key } = await createKey(cluster, tenant);
    const refused = await chat(gatewayUrl(), key);
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as ErrorBody;
    const route = `POST /api/tenants/${tenant.slug}/credits/`;
    expect(body.error).toMatchObject({ code: 'insufficient_credits', details: { level: 'tenant', limit: 'credits', top_up: route } });
    expect(body.error.message).toContain(route);

    // The route the answer names is the one that works.
    const topUp = await cluster.call('POST', `/api/tenants/${tenant.slug}/credits/`, { token: cluster.adminToken, body: { amount_usd: 1, reason: 'test' } });
    expect(topUp.status).toBe(201);
    await waitUntil(async () => (await chat(gatewayUrl(), key)).status === 200, 5_000, 'the topped-up tenant to chat');
  });

  describe('self-service sign-up', () => {
    let key: string;
    let slug: string;

    beforeAll(async () => {
      slug = uniqueName('signup');
      const password = `Sign-up ${randomUUID()}`;
      const registered = await cluster.call<{ access: string; tenant: Tenant }>('POST', '/api/auth/register/', {
        body: { email: `${slug}@example.com`, password, password_confirm: password, first_name: 'Self', last_name: 'Registered', tenant_name: 'Self registered', tenant_slug: slug },
      });
      expect(registered.status).toBe(201);
      const created = await cluster.call<{ key: string }>('POST', '/api/api-keys/', {
        token: registered.body.access,
        body: { tenant: registered.body.tenant.id, name: 'mine', scopes: ['inference'] },
      });
      expect(created.status).toBe(201);
      key = created.body.key;
      await waitUntil(
        async () => (await fetch(`${gatewayUrl()}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status === 200,
        5_000,
        'the gateway to accept the new key',
      );
    });

    it('puts the tenant on the free plan', async () => {
      expect(await tenantOf(slug)).toBe('free');
    });

    it('reaches a sandbox model (200) but not an expensive one (403 model_not_allowed naming the plan)', async () => {
      expect((await chat(gatewayUrl(), key, { model: 'mock-fast' })).status).toBe(200);
      const refused = await chat(gatewayUrl(), key, { model: 'gpt-4' });
      expect(refused.status).toBe(403);
      const body = (await refused.json()) as ErrorBody;
      expect(body.error).toMatchObject({ code: 'model_not_allowed', message: "The tenant's plan 'free' does not include the model 'gpt-4'" });
    });

    it('lists only the models the plan allows', async () => {
      const models = (await (await fetch(`${gatewayUrl()}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: Array<{ id: string }> };
      const ids = models.data.map((model) => model.id);
      expect(ids).toEqual(expect.arrayContaining(['mock-fast', 'mock-smart', 'gpt-4o-mini', 'claude-3-haiku']));
      expect(ids).not.toContain('gpt-4');
    });
  });
});
