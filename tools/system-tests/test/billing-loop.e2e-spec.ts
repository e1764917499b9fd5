import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
import { waitUntil } from '@sluice/testing';
import { Cluster } from './support/cluster';
import { chat, createActiveTenant, createKey, createPlan, type ApiKey, type Tenant } from './support/tenants';

const WEBHOOK_SECRET = 'whsec_system_test';
const MODEL = 'mock-smart';

/**
 * Issue 17, "the loop": a prepaid tenant without credits is refused by the
 * gateway; its owner buys credits through Stripe Checkout (the fake Stripe
 * pays and sends the signed webhook, as Stripe does); the next request passes.
 */
describe('billing loop: checkout → paid → signed webhook → credits → the gateway admits (issue 17)', () => {
  let fake: FakeStripe;
  let cluster: Cluster;

  beforeAll(async () => {
    fake = await startFakeStripe();
    cluster = await Cluster.start({
      controlPlanes: 1,
      gateways: 1,
      // A grace period of 1.8 s: dunning is observed end to end without waiting days.
      controlPlaneEnv: { STRIPE_SECRET_KEY: 'sk_test_system', STRIPE_API_BASE: fake.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, BILLING_GRACE_PERIOD_HOURS: '0.0005' },
    });
    fake.setWebhook(`${cluster.controlPlanes[0].url}/api/billing/webhooks/stripe/`, WEBHOOK_SECRET);
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
    await fake?.close();
  }, 60_000);

  const ask = (key: ApiKey) => chat(cluster.gateways[0].url, key.key, { model: MODEL });

  it('a request refused with 402 is admitted once the checkout is paid', async () => {
    const tenant: Tenant = await createActiveTenant(cluster, await createPlan(cluster, { billing_mode: 'prepaid' }));
    const key = await createKey(cluster, tenant);

    const refused = await ask(key);
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_credits');

    const checkout = await cluster.call<{ id: string; url: string }>('GET', `/api/billing/tenants/${tenant.slug}/checkout/?purpose=credits&amount_usd=5`, { token: cluster.adminToken });
    expect(checkout.status).toBe(200);
    const delivery = await fake.pay(checkout.body.id);
    expect(delivery.status).toBe(200);

    // The webhook answers after the balance reached Redis: the very next request is admitted.
    const admitted = await ask(key);
    expect(admitted.status).toBe(200);
    await admitted.json();
    const credits = await cluster.call<{ balance_micros: number; live_balance_micros: number }>('GET', `/api/tenants/${tenant.slug}/credits/`, { token: cluster.adminToken });
    expect(credits.body.live_balance_micros).toBeLessThan(5_000_000);
    expect(credits.body.live_balance_micros).toBeGreaterThan(0);
  });

  it('dunning: payment failed → suspended after the grace period, refused by the gateway within 1 s; paid → admitted within 1 s', async () => {
    const tenant: Tenant = await createActiveTenant(cluster, await createPlan(cluster));
    const key = await createKey(cluster, tenant);
    const first = await ask(key);
    expect(first.status).toBe(200);
    await first.json();
    await cluster.call('GET', `/api/billing/tenants/${tenant.slug}/checkout/?purpose=credits&amount_usd=1`, { token: cluster.adminToken });
    const customer = (await cluster.call<{ stripe_customer_id: string }>('GET', `/api/tenants/${tenant.slug}/`, { token: cluster.adminToken })).body.stripe_customer_id;

    const failed = await fake.sendEvent('invoice.payment_failed', { id: 'in_failed', object: 'invoice', customer, amount_due: 4_900 });
    expect(failed.status).toBe(200);
    const status = async () => (await cluster.call<{ status: string; suspension_reason: string }>('GET', `/api/tenants/${tenant.slug}/`, { token: cluster.adminToken })).body;
    await waitUntil(async () => (await status()).status === 'suspended', 20_000, 'the suspension after the grace period');
    expect((await status()).suspension_reason).toBe('payment_overdue');
    let refused: { error?: { code: string } } = {};
    await waitUntil(
      async () => {
        const response = await ask(key);
        refused = (await response.json()) as typeof refused;
        return response.status === 403;
      },
      1_000,
      'the gateway to refuse the suspended tenant',
    );
    expect(refused.error?.code).toBe('tenant_suspended');

    const paid = await fake.sendEvent('invoice.payment_succeeded', { id: 'in_paid', object: 'invoice', customer, amount_paid: 4_900 });
    expect(paid.status).toBe(200);
    await waitUntil(
      async () => {
        const response = await ask(key);
        await response.arrayBuffer();
        return response.status === 200;
      },
      1_000,
      'the gateway to admit the restored tenant',
    );
  });

  it('a plan downgrade by a subscription update reaches the gateway within 1 s', async () => {
    const tenant: Tenant = await createActiveTenant(cluster, await createPlan(cluster));
    const key = await createKey(cluster, tenant);
    const first = await ask(key);
    expect(first.status).toBe(200);
    await first.json();
    await cluster.call('GET', `/api/billing/tenants/${tenant.slug}/checkout/?purpose=credits&amount_usd=1`, { token: cluster.adminToken });
    const customer = (await cluster.call<{ stripe_customer_id: string }>('GET', `/api/tenants/${tenant.slug}/`, { token: cluster.adminToken })).body.stripe_customer_id;
    // One call per period, and the tenant has made one already: the next is over the new quota.
    const smaller = await createPlan(cluster, { limits: { api_calls_per_period: 1 } });

    const updated = await fake.sendEvent('customer.subscription.updated', { id: 'sub_downgrade', object: 'subscription', customer, status: 'active', metadata: { plan: smaller } });
    expect(JSON.parse(updated.body)).toMatchObject({ outcome: 'applied' });
    let code: string | undefined;
    await waitUntil(
      async () => {
        const response = await ask(key);
        code = ((await response.json()) as { error?: { code: string } }).error?.code;
        return response.status === 429;
      },
      1_000,
      'the gateway to apply the smaller plan',
    );
    expect(code).toBe('quota_exceeded');
  });
});
