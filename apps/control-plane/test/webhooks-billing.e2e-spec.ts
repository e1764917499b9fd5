import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
import { createActiveTenant, TEST_PASSWORD, unique, waitUntil, WebhookReceiver } from '@sluice/testing';
import Stripe from 'stripe';
import { apiClient, login, type Call } from './api-client';
import { ADMIN_EMAIL } from './identity-fixture';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

const SECRET_KEY = 'sk_test_webhooks';
const STRIPE_WEBHOOK_SECRET = 'whsec_webhooks_billing';
const DEADLINE_MS = 20_000;

/** billing.* (and the tenant lifecycle they cause) reach the tenant's webhook endpoints from the Stripe webhook's effects. */
describe('Outbound webhooks from billing', () => {
  let fake: FakeStripe;
  let app: ControlPlaneUnderTest;
  let call: Call;
  let admin: string;
  let hooks: WebhookReceiver;
  const stripe = new Stripe(SECRET_KEY);

  beforeAll(async () => {
    fake = await startFakeStripe();
    app = await startControlPlane({
      SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
      SLUICE_ADMIN_PASSWORD: TEST_PASSWORD,
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_API_BASE: fake.url,
      STRIPE_WEBHOOK_SECRET,
      BILLING_GRACE_PERIOD_HOURS: '0',
      WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
    });
    call = apiClient(app.url);
    admin = (await login(call, ADMIN_EMAIL)).access;
    hooks = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await hooks?.close();
    await app?.close();
    await fake?.close();
  });

  const sendStripeEvent = async (type: string, object: Record<string, unknown>) => {
    const payload = JSON.stringify({ id: `evt_${unique('e').replace(/-/g, '')}`, object: 'event', type, created: Math.floor(Date.now() / 1000), livemode: false, data: { object } });
    const response = await fetch(`${app.url}/api/billing/webhooks/stripe/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET }) },
      body: payload,
    });
    expect(response.status).toBe(200);
  };

  it('announces credits added, a failed payment with the suspension, a payment with the restoration, and a plan change', async () => {
    const tenant = await createActiveTenant(call, admin, unique('payer'));
    const events = ['billing.credits_added', 'billing.payment_failed', 'billing.payment_succeeded', 'billing.plan_changed', 'tenant.suspended', 'tenant.restored'];
    expect((await call('POST', '/api/webhooks/', { token: admin, body: { tenant: tenant.id, url: hooks.url, events } })).status).toBe(201);
    expect((await call('GET', `/api/billing/tenants/${tenant.slug}/checkout/?purpose=credits&amount_usd=20`, { token: admin })).status).toBe(200);
    const customer = (await call<{ stripe_customer_id: string }>('GET', `/api/tenants/${tenant.slug}/`, { token: admin })).body.stripe_customer_id;
    const plans = (await call<{ results: Array<{ id: string }> }>('GET', '/api/plans/', { token: admin })).body.results;
    const plan = plans.find((candidate) => candidate.id !== 'free')?.id ?? plans[0].id;

    await sendStripeEvent('checkout.session.completed', { id: 'cs_test_1', object: 'checkout.session', client_reference_id: tenant.id, customer, payment_status: 'paid', amount_total: 2000, metadata: { purpose: 'credits' } });
    await sendStripeEvent('invoice.payment_failed', { id: 'in_failed', object: 'invoice', customer, amount_due: 4900 });
    await sendStripeEvent('invoice.payment_succeeded', { id: 'in_paid', object: 'invoice', customer, amount_paid: 4900 });
    await sendStripeEvent('customer.subscription.updated', { id: 'sub_1', object: 'subscription', customer, status: 'active', metadata: { plan } });

    await waitUntil(() => hooks.received.length >= 6, DEADLINE_MS, 'six events');
    const byType = Object.fromEntries(hooks.events().map((event) => [event.type, event.data]));
    expect(Object.keys(byType).sort()).toEqual([...events].sort());
    expect(byType['billing.credits_added']).toEqual(expect.objectContaining({ tenant: tenant.id, amount_micros: 20_000_000 }));
    expect(byType['billing.payment_failed']).toEqual(expect.objectContaining({ tenant: tenant.id, invoice: 'in_failed', amount_due_cents: 4900 }));
    expect(byType['tenant.suspended']).toEqual(expect.objectContaining({ tenant: tenant.id, suspension_reason: 'payment_overdue' }));
    expect(byType['billing.payment_succeeded']).toEqual(expect.objectContaining({ invoice: 'in_paid', amount_paid_cents: 4900 }));
    expect(byType['tenant.restored']).toEqual(expect.objectContaining({ status: 'active' }));
    expect(byType['billing.plan_changed']).toEqual(expect.objectContaining({ plan }));
  });
});
