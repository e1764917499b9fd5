import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
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
      controlPlaneEnv: { STRIPE_SECRET_KEY: 'sk_test_system', STRIPE_API_BASE: fake.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
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
});
