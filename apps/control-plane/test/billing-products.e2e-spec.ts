import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
import { login, unique, type Call } from './api-client';
import { addMember, startIdentityWorld, type IdentityWorld } from './identity-fixture';

const WEBHOOK_SECRET = 'whsec_products_e2e';

interface ErrorBody {
  error: { code: string; param: string | null; details: Record<string, unknown> };
}
interface KeyBody {
  id: string;
  limits: Record<string, unknown>;
}

const SEED_PRODUCT = {
  name: 'Premium Plan',
  user_count: 10,
  keys_per_user: 1,
  total_key_count: 50,
  service_key_count: 1,
  max_budget_per_key: 100,
  rpm_per_key: 500,
  vector_db_count: 10,
  vector_db_storage: '50GB',
  renewal_period_days: 30,
  active: true,
};

describe("the older team-based billing API's products and pricing table (issue 17)", () => {
  let fake: FakeStripe;
  let world: IdentityWorld;
  let admin: Call;

  beforeAll(async () => {
    fake = await startFakeStripe();
    world = await startIdentityWorld({ STRIPE_SECRET_KEY: 'sk_test_products', STRIPE_API_BASE: fake.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
    admin = (method, path, options = {}) => world.call(method, path, { token: world.tokens.platform_admin, ...options });
  });
  afterAll(async () => {
    await world?.app.close();
    await fake?.close();
  });

  const createProduct = async (fields: Record<string, unknown> = {}) => {
    const id = unique('premium');
    const response = await admin<Record<string, unknown>>('POST', '/api/products/', { body: { ...SEED_PRODUCT, id, ...fields } });
    expect(response.status).toBe(201);
    return id;
  };
  /** An active tenant on `plan` with one member, signed in. */
  const tenantOn = async (plan: string) => {
    const slug = unique('buyer');
    const created = await admin<{ id: string }>('POST', '/api/tenants/', { body: { name: slug, slug, subscription_tier: plan } });
    expect(created.status).toBe(201);
    await admin('POST', `/api/tenants/${slug}/activate/`);
    const email = `${unique('member')}@sluice.test`;
    await addMember(world.call, world.tokens.platform_admin as string, created.body.id, email, 'member');
    return { id: created.body.id, slug, member: (await login(world.call, email)).access };
  };

  it('creates, reads, changes and deletes products; each is the plan of the same id with the seed fields mapped onto its limits', async () => {
    const id = await createProduct();
    const product = await admin<Record<string, unknown>>('GET', `/api/products/${id}/`);
    expect(product.body).toMatchObject({ id, ...SEED_PRODUCT, billing_mode: 'postpaid', price_monthly_cents: 0 });
    const plan = await admin<{ period_days: number; limits: Record<string, unknown> }>('GET', `/api/plans/${id}/`);
    expect(plan.body.period_days).toBe(30);
    expect(plan.body.limits).toMatchObject({ max_users: 10, max_keys: 50 });
    expect((await admin<Array<{ id: string }>>('GET', '/api/products/')).body.map((entry) => entry.id)).toContain(id);

    const updated = await admin<Record<string, unknown>>('PUT', `/api/products/${id}/`, { body: { name: 'Premium 2', rpm_per_key: 300, vector_db_storage: '1TB', renewal_period_days: 7 } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ ...SEED_PRODUCT, name: 'Premium 2', rpm_per_key: 300, vector_db_storage: '1TB', renewal_period_days: 7 });

    expect((await admin('DELETE', `/api/products/${id}/`)).status).toBe(204);
    expect((await admin('GET', `/api/products/${id}/`)).status).toBe(404);
  });

  it('bad input and callers other than a platform admin are refused; nothing a client sends is dropped silently', async () => {
    const refused = await admin<ErrorBody>('POST', '/api/products/', { body: { ...SEED_PRODUCT, id: unique('p'), colour: 'blue' } });
    expect(refused.status).toBe(400);
    for (const [field, value] of [['user_count', 0], ['rpm_per_key', -1], ['vector_db_storage', 'lots'], ['renewal_period_days', 0], ['active', 'yes']] as const) {
      const response = await admin<ErrorBody>('POST', '/api/products/', { body: { ...SEED_PRODUCT, id: unique('p'), [field]: value } });
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
    }
    expect((await world.call('GET', '/api/products/', { token: world.tokens.owner })).status).toBe(403);
    expect((await world.call('POST', '/api/products/', { token: world.tokens.owner, body: { ...SEED_PRODUCT, id: unique('p') } })).status).toBe(403);
    expect((await world.call('PUT', '/api/pricing-tables/', { token: world.tokens.owner, body: { pricing_table_id: 'prctbl_x' } })).status).toBe(403);
    const id = await createProduct();
    await tenantOn(id);
    expect((await admin<ErrorBody>('DELETE', `/api/products/${id}/`)).status).toBe(409);
  });

  it("keys_per_user, service_key_count, rpm_per_key and max_budget_per_key bind the tenant's keys", async () => {
    const tenant = await tenantOn(await createProduct());
    const own = await world.call<KeyBody>('POST', '/api/api-keys/', { token: tenant.member, body: { tenant: tenant.id, name: 'first' } });
    expect(own.status).toBe(201);
    expect(own.body.limits).toMatchObject({ rpm: 500, budget_usd: 100 });
    const second = await world.call<ErrorBody>('POST', '/api/api-keys/', { token: tenant.member, body: { tenant: tenant.id, name: 'second' } });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('key_limit_reached');

    const service = await admin<KeyBody>('POST', '/api/api-keys/', { body: { tenant: tenant.id, name: 'svc', service: true, limits: { rpm: 10, budget_usd: 5 } } });
    expect(service.status).toBe(201);
    expect(service.body.limits).toMatchObject({ rpm: 10, budget_usd: 5 });
    expect((await admin('POST', '/api/api-keys/', { body: { tenant: tenant.id, name: 'svc2', service: true } })).status).toBe(409);

    const tooFast = await world.call<ErrorBody>('PATCH', `/api/api-keys/${own.body.id}/`, { token: tenant.member, body: { limits: { rpm: 501 } } });
    expect(tooFast.status).toBe(400);
    expect(tooFast.body.error.details).toHaveProperty(['limits.rpm']);
    const tooRich = await world.call<ErrorBody>('PATCH', `/api/api-keys/${own.body.id}/`, { token: tenant.member, body: { limits: { budget_usd: 100.01 } } });
    expect(tooRich.status).toBe(400);
    expect((await world.call('PATCH', `/api/api-keys/${own.body.id}/`, { token: tenant.member, body: { limits: { rpm: 250, budget_usd: 20 } } })).status).toBe(200);
  });

  it('an inactive product cannot be checked out or assigned; its tenants keep it', async () => {
    const id = await createProduct({ price_monthly_cents: 9_900 });
    const tenant = await tenantOn(id);
    expect((await admin('GET', `/api/billing/tenants/${tenant.slug}/checkout/?purpose=plan&plan=${id}`)).status).toBe(200);
    expect((await admin('PUT', `/api/products/${id}/`, { body: { active: false } })).status).toBe(200);
    const checkout = await admin<ErrorBody>('GET', `/api/billing/tenants/${tenant.slug}/checkout/?purpose=plan&plan=${id}`);
    expect({ status: checkout.status, param: checkout.body.error.param }).toEqual({ status: 400, param: 'plan' });
    const other = unique('other');
    expect((await admin('POST', '/api/tenants/', { body: { name: other, slug: other, subscription_tier: id } })).status).toBe(400);
    expect((await admin('POST', `/api/tenants/${world.tenantB.slug}/plan/`, { body: { plan: id } })).status).toBe(400);
    expect((await admin<{ subscription_tier: string }>('GET', `/api/tenants/${tenant.slug}/`)).body.subscription_tier).toBe(id);
  });

  it('the pricing table: set, read, used by the pricing-table session, and removed', async () => {
    const tenant = await tenantOn(await createProduct({ price_monthly_cents: 1_000 }));
    const path = `/api/billing/tenants/${tenant.slug}/pricing-table-session/`;
    const withoutTable = await admin<{ url: string; id: string }>('GET', path);
    expect(withoutTable.status).toBe(200);
    expect(fake.state.checkoutSessions.get(withoutTable.body.id)).toMatchObject({ mode: 'subscription', amount_total: 1_000 });

    expect((await admin<ErrorBody>('PUT', '/api/pricing-tables/', { body: { pricing_table_id: 'not-a-table' } })).status).toBe(400);
    expect((await admin('PUT', '/api/pricing-tables/', { body: { pricing_table_id: 'prctbl_1Abc' } })).body).toEqual({ pricing_table_id: 'prctbl_1Abc' });
    expect((await admin('GET', '/api/pricing-tables/')).body).toEqual({ pricing_table_id: 'prctbl_1Abc' });
    const withTable = await admin<Record<string, string>>('GET', `/api/billing/teams/${tenant.id}/pricing-table-session`);
    expect(withTable.body).toEqual({ pricing_table_id: 'prctbl_1Abc', client_reference_id: tenant.id, customer_session_client_secret: expect.stringMatching(/^cuss_secret_/) });

    expect((await admin('PUT', '/api/pricing-tables/', { body: { pricing_table_id: null } })).body).toEqual({ pricing_table_id: null });
    expect((await admin<{ url: string }>('GET', path)).body.url).toContain('/checkout/');
  });
});
