import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
import { TEST_REDIS_URL, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { Client } from 'pg';
import Stripe from 'stripe';
import { apiClient, unique, type Call } from './api-client';
import { startControlPlane } from './control-plane-harness';
import { createActiveTenant, startIdentityWorld, type IdentityWorld } from './identity-fixture';

const SECRET_KEY = 'sk_test_sluice_e2e';
const WEBHOOK_SECRET = 'whsec_sluice_e2e';
const ANONYMOUS_PER_HOUR = 20;
/** 1.8 s: long enough to pay within, short enough to wait for. */
const GRACE_HOURS = 0.0005;

interface CheckoutBody {
  id: string;
  url: string;
}
interface CreditsBody {
  balance_micros: number;
  live_balance_micros: number | null;
}
interface TenantBody {
  subscription_tier: string;
  stripe_customer_id: string | null;
  last_payment: string | null;
  billing_status: 'active' | 'past_due' | 'suspended';
  status: string;
}
interface ErrorBody {
  error: { code: string; param: string | null };
}
interface WebhookAnswer {
  received: boolean;
  duplicate: boolean;
  outcome: string;
}

describe('billing with Stripe: checkout, portal and the signed webhook (issue 17)', () => {
  let fake: FakeStripe;
  let world: IdentityWorld;
  let db: Client;
  let admin: Call;
  let redis: Redis;
  const stripe = new Stripe(SECRET_KEY);

  beforeAll(async () => {
    fake = await startFakeStripe();
    world = await startIdentityWorld({
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_API_BASE: fake.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      THROTTLE_ANONYMOUS_PER_HOUR: String(ANONYMOUS_PER_HOUR),
      BILLING_GRACE_PERIOD_HOURS: String(GRACE_HOURS),
    });
    redis = new Redis(TEST_REDIS_URL);
    fake.setWebhook(`${world.app.url}/api/billing/webhooks/stripe/`, WEBHOOK_SECRET);
    db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    admin = (method, path, options = {}) => world.call(method, path, { token: world.tokens.platform_admin, ...options });
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await world?.app.close();
    await fake?.close();
  });

  /** A tenant with a Stripe customer (made by its first checkout). */
  const customerTenant = async () => {
    const created = await createActiveTenant(world.call, world.tokens.platform_admin as string, unique('payer'));
    await admin('GET', `/api/billing/tenants/${created.slug}/checkout/?purpose=credits&amount_usd=1`);
    return { ...created, customer: (await tenant(created.slug)).stripe_customer_id as string };
  };
  const billingState = async (id: string) =>
    (await db.query<{ status: string; billing_status: string; suspension_reason: string }>('SELECT status, billing_status, suspension_reason FROM tenants WHERE id = $1', [id])).rows[0];
  const credits = async (slug: string) => (await admin<CreditsBody>('GET', `/api/tenants/${slug}/credits/`)).body;
  const tenant = async (slug: string) => (await admin<TenantBody>('GET', `/api/tenants/${slug}/`)).body;
  const eventCount = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM stripe_events')).rows[0].n);
  /** Posts `payload` to the webhook as Stripe would, signed at `timestamp`. */
  const deliver = (payload: string, signature: string | null, path = '/api/billing/webhooks/stripe/') =>
    fetch(`${world.app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...(signature === null ? {} : { 'stripe-signature': signature }) },
      body: payload,
    });
  const signed = (payload: string, timestamp = Math.floor(Date.now() / 1000), secret = WEBHOOK_SECRET) => stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  const event = (type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)) =>
    JSON.stringify({ id: `evt_${unique('e').replace(/-/g, '')}`, object: 'event', type, created, livemode: false, data: { object } });

  describe('checkout and portal sessions', () => {
    it("the owner gets a credits checkout in payment mode that names the tenant; the tenant gets a Stripe customer once", async () => {
      const first = await world.call<CheckoutBody>('GET', `/api/billing/tenants/${world.tenantA.slug}/checkout/?purpose=credits&amount_usd=25`, { token: world.tokens.owner });
      expect(first.status).toBe(200);
      expect(first.body.id).toMatch(/^cs_/);
      expect(first.body.url).toBe(`${fake.url}/checkout/${first.body.id}`);
      const session = fake.state.checkoutSessions.get(first.body.id);
      expect(session).toMatchObject({ mode: 'payment', amount_total: 2500, client_reference_id: world.tenantA.id, metadata: { purpose: 'credits' } });
      const customer = (await tenant(world.tenantA.slug)).stripe_customer_id;
      expect(customer).toMatch(/^cus_/);
      expect(session?.customer).toBe(customer);

      const second = await admin<CheckoutBody>('GET', `/api/billing/tenants/${world.tenantA.id}/checkout?purpose=credits&amount_usd=10.5`);
      expect(second.status).toBe(200);
      expect(fake.state.checkoutSessions.get(second.body.id)).toMatchObject({ customer, amount_total: 1050 });
      expect(fake.state.customers.size).toBe(1);
    });

    it('bad input is a 400 naming the parameter, and creates nothing at Stripe', async () => {
      const before = fake.calls.length;
      const cases: Array<[string, string]> = [
        ['purpose=gift&amount_usd=5', 'purpose'],
        ['purpose=credits', 'amount_usd'],
        ['purpose=credits&amount_usd=0', 'amount_usd'],
        ['purpose=credits&amount_usd=-5', 'amount_usd'],
        ['purpose=credits&amount_usd=1e12', 'amount_usd'],
        ['purpose=credits&amount_usd=abc', 'amount_usd'],
        ['purpose=credits&amount_usd=1.005', 'amount_usd'],
        ['purpose=plan', 'plan'],
        ['purpose=plan&plan=no-such-plan', 'plan'],
        ['purpose=plan&plan=free', 'plan'],
      ];
      for (const [query, param] of cases) {
        const response = await world.call<ErrorBody>('GET', `/api/billing/tenants/${world.tenantA.slug}/checkout/?${query}`, { token: world.tokens.owner });
        expect({ query, status: response.status, code: response.body.error.code }).toEqual({ query, status: 400, code: 'validation_error' });
        expect(JSON.stringify(response.body)).toContain(param);
      }
      expect(fake.calls.length).toBe(before);
    });

    it('only an owner or a platform admin may start one; another tenant is a 404', async () => {
      const path = `/api/billing/tenants/${world.tenantA.slug}/checkout/?purpose=credits&amount_usd=5`;
      expect((await world.call('GET', path, { token: world.tokens.admin })).status).toBe(403);
      expect((await world.call('GET', path, { token: world.tokens.member })).status).toBe(403);
      expect((await world.call('GET', path, { token: world.tokens.outsider })).status).toBe(404);
      expect((await world.call('GET', path)).status).toBe(401);
      expect((await world.call('GET', `/api/billing/tenants/${world.tenantA.slug}/portal/`, { token: world.tokens.outsider })).status).toBe(404);
    });

    it("the portal (and its older team-scoped aliases) answer a Stripe session URL", async () => {
      const portal = await world.call<{ url: string }>('GET', `/api/billing/tenants/${world.tenantA.slug}/portal/`, { token: world.tokens.owner });
      expect(portal.status).toBe(200);
      expect(portal.body.url).toMatch(new RegExp(`^${fake.url}/portal/bps_`));
      const alias = await world.call<{ url: string }>('GET', `/api/billing/teams/${world.tenantA.id}/portal`, { token: world.tokens.owner });
      expect(alias.body.url).toMatch(/\/portal\/bps_/);
    });

    it('a Stripe failure is retried; an outage is a 502 in the error shape', async () => {
      fake.injectFault({ status: 500, path: '/v1/checkout/sessions', count: 1 });
      const retried = await world.call<CheckoutBody>('GET', `/api/billing/tenants/${world.tenantA.slug}/checkout/?purpose=credits&amount_usd=5`, { token: world.tokens.owner });
      expect(retried.status).toBe(200);
      fake.injectFault({ status: 500, path: '/v1/checkout/sessions', count: 3 });
      const failed = await world.call<ErrorBody>('GET', `/api/billing/tenants/${world.tenantA.slug}/checkout/?purpose=credits&amount_usd=5`, { token: world.tokens.owner });
      expect(failed.status).toBe(502);
      expect(failed.body.error.code).toBe('payment_provider_error');
    }, 20_000);
  });

  describe('dunning', () => {
    const suspendJobExists = async (tenantId: string) => (await redis.exists(`${world.app.redisKeyPrefix}{jobs}:billing:suspend-${tenantId}`)) === 1;

    it('payment failed → past_due → suspended for payment_overdue after the grace period (audited as the system) → paid → active', async () => {
      const payer = await customerTenant();
      const failed = await fake.sendEvent('invoice.payment_failed', { id: 'in_failed', object: 'invoice', customer: payer.customer, amount_due: 4_900 });
      expect(JSON.parse(failed.body)).toMatchObject({ outcome: 'applied' });
      expect(await billingState(payer.id)).toEqual({ status: 'active', billing_status: 'past_due', suspension_reason: '' });
      expect((await tenant(payer.slug)).billing_status).toBe('past_due');
      expect(await suspendJobExists(payer.id)).toBe(true);

      await waitUntil(async () => (await billingState(payer.id)).status === 'suspended', 15_000, 'the suspension after the grace period');
      expect(await billingState(payer.id)).toEqual({ status: 'suspended', billing_status: 'past_due', suspension_reason: 'payment_overdue' });
      expect((await tenant(payer.slug)).billing_status).toBe('suspended');
      const audit = await admin<{ results: Array<{ actor: { type: string }; payload: { new: Record<string, unknown> } }> }>('GET', `/api/audit/events/?tenant_id=${payer.id}&event_type=tenant.suspended`);
      expect(audit.body.results).toHaveLength(1);
      expect(audit.body.results[0]).toMatchObject({ actor: { type: 'system' }, payload: { new: { status: 'suspended', suspension_reason: 'payment_overdue' } } });

      const paid = await fake.sendEvent('invoice.payment_succeeded', { id: 'in_paid_late', object: 'invoice', customer: payer.customer, amount_paid: 4_900 });
      expect(JSON.parse(paid.body)).toMatchObject({ outcome: 'applied' });
      expect(await billingState(payer.id)).toEqual({ status: 'active', billing_status: 'current', suspension_reason: '' });
      expect((await tenant(payer.slug)).last_payment).not.toBeNull();
      expect((await tenant(payer.slug)).billing_status).toBe('active');
    });

    it('a payment within the grace period cancels the suspension', async () => {
      const payer = await customerTenant();
      const other = await customerTenant();
      await fake.sendEvent('invoice.payment_failed', { id: 'in_a', object: 'invoice', customer: payer.customer });
      await fake.sendEvent('invoice.payment_succeeded', { id: 'in_b', object: 'invoice', customer: payer.customer });
      expect(await suspendJobExists(payer.id)).toBe(false);
      // A later failure of another tenant falls due after the cancelled one would have: once it has, the first was not suspended.
      await fake.sendEvent('invoice.payment_failed', { id: 'in_c', object: 'invoice', customer: other.customer });
      await waitUntil(async () => (await billingState(other.id)).status === 'suspended', 15_000, "the other tenant's suspension");
      expect(await billingState(payer.id)).toEqual({ status: 'active', billing_status: 'current', suspension_reason: '' });
    });

    it('a payment does not lift a suspension an admin made for another reason', async () => {
      const payer = await customerTenant();
      expect((await admin('POST', `/api/tenants/${payer.slug}/suspend/`, { body: { reason: 'abuse' } })).status).toBe(200);
      await fake.sendEvent('invoice.payment_succeeded', { id: 'in_d', object: 'invoice', customer: payer.customer });
      expect(await billingState(payer.id)).toEqual({ status: 'suspended', billing_status: 'current', suspension_reason: 'abuse' });
      // Suspended, but not for non-payment: its payments are in order.
      expect((await tenant(payer.slug)).billing_status).toBe('active');
    });
  });

  describe("the tenant's billing contact (the older billing API's team fields)", () => {
    it('admin_email, phone (= contact_phone) and billing_address are written and shown; the Stripe fields are read-only', async () => {
      const path = `/api/tenants/${world.tenantA.slug}/`;
      const patched = await world.call<Record<string, unknown>>('PATCH', path, { token: world.tokens.admin, body: { admin_email: 'ap@acme.test', phone: '+15550100', billing_address: '1 Main St' } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ admin_email: 'ap@acme.test', phone: '+15550100', contact_phone: '+15550100', billing_address: '1 Main St' });
      const conflicting = await world.call<ErrorBody>('PATCH', path, { token: world.tokens.admin, body: { phone: '+1', contact_phone: '+2' } });
      expect(conflicting.status).toBe(400);
      expect(conflicting.body.error.param).toBe('phone');
      for (const field of ['stripe_customer_id', 'last_payment']) {
        const refused = await world.call<ErrorBody>('PATCH', path, { token: world.tokens.platform_admin, body: { [field]: 'cus_mine' } });
        expect({ field, status: refused.status }).toEqual({ field, status: 400 });
      }
      expect((await tenant(world.tenantA.slug)).stripe_customer_id).not.toBe('cus_mine');
    });
  });

  describe('the webhook', () => {
    it('checkout for credits → the fake pays → the signed event credits the ledger and the live balance, audited as the system', async () => {
      const slug = world.tenantA.slug;
      const before = await credits(slug);
      const checkout = await world.call<CheckoutBody>('GET', `/api/billing/tenants/${slug}/checkout/?purpose=credits&amount_usd=12.34`, { token: world.tokens.owner });
      const delivery = await fake.pay(checkout.body.id);
      expect(delivery.status).toBe(200);
      expect(JSON.parse(delivery.body)).toMatchObject({ received: true, duplicate: false, outcome: 'applied' });
      const after = await credits(slug);
      expect(after.balance_micros - before.balance_micros).toBe(12_340_000);
      expect(after.live_balance_micros).toBe(after.balance_micros);

      const audit = await admin<{ results: Array<{ event_type: string; actor: { type: string }; payload: { new: Record<string, unknown> } }> }>(
        'GET',
        `/api/audit/events/?tenant_id=${world.tenantA.id}&event_type=credits.purchased`,
      );
      expect(audit.body.results[0]).toMatchObject({ actor: { type: 'system' }, payload: { new: { amount_micros: 12_340_000, stripe_event_id: delivery.event.id, checkout_session: checkout.body.id } } });
    });

    it('a redelivered event, also twice at once from two connections, credits once', async () => {
      const slug = world.tenantA.slug;
      const checkout = await world.call<CheckoutBody>('GET', `/api/billing/tenants/${slug}/checkout/?purpose=credits&amount_usd=7`, { token: world.tokens.owner });
      const before = await credits(slug);
      const first = await fake.pay(checkout.body.id);
      const replays = await Promise.all([1, 2, 3].map(() => fake.state.deliver(first.event)));
      expect(replays.map((replay) => replay.status)).toEqual([200, 200, 200]);
      expect(replays.map((replay) => (JSON.parse(replay.body) as WebhookAnswer).duplicate)).toEqual([true, true, true]);
      expect((await credits(slug)).balance_micros - before.balance_micros).toBe(7_000_000);

      // A fresh id racing itself: exactly one of the concurrent deliveries applies it.
      const payload = event('checkout.session.completed', {
        id: 'cs_test_race',
        object: 'checkout.session',
        client_reference_id: world.tenantA.id,
        payment_status: 'paid',
        amount_total: 300,
        metadata: { purpose: 'credits' },
      });
      const answers = await Promise.all([1, 2, 3, 4].map(async () => (await (await deliver(payload, signed(payload))).json()) as WebhookAnswer));
      expect(answers.filter((answer) => !answer.duplicate)).toHaveLength(1);
      expect((await credits(slug)).balance_micros - before.balance_micros).toBe(7_000_000 + 3_000_000);
    });

    it('forged, stale, future, altered and missing signatures are 400 invalid_signature and change nothing', async () => {
      const slug = world.tenantA.slug;
      const payload = event('checkout.session.completed', { id: 'cs_test_forged', object: 'checkout.session', client_reference_id: world.tenantA.id, payment_status: 'paid', amount_total: 100_000, metadata: { purpose: 'credits' } });
      const now = Math.floor(Date.now() / 1000);
      const before = { balance: (await credits(slug)).balance_micros, events: await eventCount() };
      const attempts: Array<[string, string, string | null]> = [
        ['forged', payload, signed(payload, now, 'whsec_not_ours')],
        ['stale', payload, signed(payload, now - 301)],
        ['future', payload, signed(payload, now + 3_600)],
        ['altered', payload.replace('100000', '900000'), signed(payload)],
        ['missing', payload, null],
        ['garbage', payload, 't=abc,v1=zzz'],
      ];
      for (const [what, body, signature] of attempts) {
        const response = await deliver(body, signature);
        const answer = (await response.json()) as ErrorBody;
        expect({ what, status: response.status, code: answer.error.code }).toEqual({ what, status: 400, code: 'invalid_signature' });
      }
      expect({ balance: (await credits(slug)).balance_micros, events: await eventCount() }).toEqual(before);
    });

    it("a checkout paid with another tenant's customer credits the tenant it names and leaves the customer where it is", async () => {
      const owner = await customerTenant();
      const payer = await createActiveTenant(world.call, world.tokens.platform_admin as string, unique('borrower'));
      const payload = event('checkout.session.completed', { id: 'cs_test_borrowed', object: 'checkout.session', client_reference_id: payer.id, customer: owner.customer, payment_status: 'paid', amount_total: 200, metadata: { purpose: 'credits' } });
      const response = await deliver(payload, signed(payload));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ outcome: 'applied' });
      expect((await credits(payer.slug)).balance_micros).toBe(2_000_000);
      expect((await tenant(payer.slug)).stripe_customer_id).toBeNull();
      expect((await tenant(owner.slug)).stripe_customer_id).toBe(owner.customer);
    });

    it("the older POST /api/billing/events is the same route", async () => {
      const payload = event('charge.refunded', { id: 'ch_1', object: 'charge' });
      const response = await deliver(payload, signed(payload), '/api/billing/events');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ received: true, outcome: 'ignored' });
    });

    it('an event for a tenant or customer Sluice does not know is 200, recorded, and changes nothing', async () => {
      for (const payload of [
        event('checkout.session.completed', { id: 'cs_x', client_reference_id: '00000000-0000-4000-8000-000000000000', payment_status: 'paid', amount_total: 500, metadata: { purpose: 'credits' } }),
        event('checkout.session.completed', { id: 'cs_y', client_reference_id: 'not-a-uuid', payment_status: 'paid', amount_total: 500, metadata: { purpose: 'credits' } }),
        event('invoice.payment_succeeded', { id: 'in_x', object: 'invoice', customer: 'cus_unknown', amount_paid: 100 }),
      ]) {
        const response = await deliver(payload, signed(payload));
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ outcome: 'unknown_tenant' });
        const id = (JSON.parse(payload) as { id: string }).id;
        expect((await db.query('SELECT outcome FROM stripe_events WHERE id = $1', [id])).rows).toEqual([{ outcome: 'unknown_tenant' }]);
      }
    });

    it('a plan checkout moves the tenant to the plan; a subscription update moves it again; an older event never undoes a newer one; a newer deletion ends it on free', async () => {
      const planId = unique('pro');
      expect((await admin('POST', '/api/plans/', { body: { id: planId, name: 'Pro', billing_mode: 'postpaid', price_monthly_cents: 4_900, period_days: 30 } })).status).toBe(201);
      const other = await createActiveTenant(world.call, world.tokens.platform_admin as string, unique('plan-buyer'));
      const checkout = await admin<CheckoutBody>('GET', `/api/billing/tenants/${other.slug}/checkout/?purpose=plan&plan=${planId}`);
      expect(fake.state.checkoutSessions.get(checkout.body.id)).toMatchObject({ mode: 'subscription', amount_total: 4_900, metadata: { purpose: 'plan', plan: planId } });
      const paid = await fake.pay(checkout.body.id);
      expect(JSON.parse(paid.body)).toMatchObject({ outcome: 'applied' });
      const bought = await tenant(other.slug);
      expect(bought.subscription_tier).toBe(planId);
      const subscription = fake.state.checkoutSessions.get(checkout.body.id)?.subscription;
      const customer = bought.stripe_customer_id;

      const smaller = unique('lite');
      expect((await admin('POST', '/api/plans/', { body: { id: smaller, name: 'Lite', billing_mode: 'postpaid', price_monthly_cents: 900, period_days: 30 } })).status).toBe(201);
      const moved = await fake.sendEvent('customer.subscription.updated', { id: subscription, object: 'subscription', customer, status: 'active', metadata: { plan: smaller } }, { created: paid.event.created + 30 });
      expect(JSON.parse(moved.body)).toMatchObject({ outcome: 'applied' });
      expect((await tenant(other.slug)).subscription_tier).toBe(smaller);
      const otherSubscription = await fake.sendEvent('customer.subscription.updated', { id: 'sub_someone_else', object: 'subscription', customer, status: 'active', metadata: { plan: planId } }, { created: paid.event.created + 40 });
      expect(JSON.parse(otherSubscription.body)).toMatchObject({ outcome: 'ignored' });
      expect((await tenant(other.slug)).subscription_tier).toBe(smaller);

      const older = await fake.sendEvent('customer.subscription.deleted', { id: subscription, object: 'subscription', customer, status: 'canceled', metadata: {} }, { created: paid.event.created - 60 });
      expect(JSON.parse(older.body)).toMatchObject({ outcome: 'stale' });
      expect((await tenant(other.slug)).subscription_tier).toBe(smaller);

      const newer = await fake.sendEvent('customer.subscription.deleted', { id: subscription, object: 'subscription', customer, status: 'canceled', metadata: {} }, { created: paid.event.created + 60 });
      expect(JSON.parse(newer.body)).toMatchObject({ outcome: 'applied' });
      expect((await tenant(other.slug)).subscription_tier).toBe('free');
    });

    it('a paid invoice sets last_payment on the tenant', async () => {
      const customer = (await tenant(world.tenantA.slug)).stripe_customer_id;
      const paidAt = Math.floor(Date.now() / 1000) - 5;
      const delivery = await fake.sendEvent('invoice.payment_succeeded', { id: 'in_paid', object: 'invoice', customer, amount_paid: 4_900, status_transitions: { paid_at: paidAt } });
      expect(delivery.status).toBe(200);
      expect((await tenant(world.tenantA.slug)).last_payment).toBe(new Date(paidAt * 1000).toISOString());
    });

    it('an older payment event never undoes a newer one', async () => {
      const buyer = await customerTenant();
      const now = Math.floor(Date.now() / 1000);
      expect(JSON.parse((await fake.sendEvent('invoice.payment_succeeded', { id: 'in_new', object: 'invoice', customer: buyer.customer }, { created: now })).body)).toMatchObject({ outcome: 'applied' });
      expect(JSON.parse((await fake.sendEvent('invoice.payment_failed', { id: 'in_old', object: 'invoice', customer: buyer.customer }, { created: now - 30 })).body)).toMatchObject({ outcome: 'stale' });
      expect(await billingState(buyer.id)).toEqual({ status: 'active', billing_status: 'current', suspension_reason: '' });
    });

    it('is exempt from the anonymous throttle: more deliveries than the limit are all handled', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < ANONYMOUS_PER_HOUR + 5; i++) {
        const payload = event('ping', { id: `x_${i}` });
        statuses.push((await deliver(payload, signed(payload))).status);
      }
      expect(new Set(statuses)).toEqual(new Set([200]));
      // The limit is in force for other anonymous calls from this address.
      await waitUntil(async () => (await world.call('POST', '/api/auth/token/', { body: { email: 'nobody@sluice.test', password: 'wrong-password' } })).status === 429, 10_000, 'the anonymous limit');
    });
  });
});

describe('dunning without a grace period', () => {
  it('BILLING_GRACE_PERIOD_HOURS=0 suspends in the same step as the failed payment', async () => {
    const fake = await startFakeStripe();
    const app = await startControlPlane({
      SLUICE_ADMIN_EMAIL: 'root@sluice.test',
      SLUICE_ADMIN_PASSWORD: 'correct horse battery staple',
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_API_BASE: fake.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      BILLING_GRACE_PERIOD_HOURS: '0',
    });
    try {
      fake.setWebhook(`${app.url}/api/billing/webhooks/stripe/`, WEBHOOK_SECRET);
      const call = apiClient(app.url);
      const token = (await call<{ access: string }>('POST', '/api/auth/token/', { body: { email: 'root@sluice.test', password: 'correct horse battery staple' } })).body.access;
      const created = await createActiveTenant(call, token, unique('no-grace'));
      await call('GET', `/api/billing/tenants/${created.slug}/checkout/?purpose=credits&amount_usd=1`, { token });
      const customer = (await call<TenantBody>('GET', `/api/tenants/${created.slug}/`, { token })).body.stripe_customer_id;
      await fake.sendEvent('invoice.payment_failed', { id: 'in_now', object: 'invoice', customer });
      expect((await call<TenantBody & { suspension_reason: string }>('GET', `/api/tenants/${created.slug}/`, { token })).body).toMatchObject({ status: 'suspended', suspension_reason: 'payment_overdue' });
    } finally {
      await app.close();
      await fake.close();
    }
  });
});

describe('billing without Stripe configuration', () => {
  let world: IdentityWorld;

  beforeAll(async () => {
    world = await startIdentityWorld();
  });
  afterAll(() => world?.app.close());

  const routes = (slug: string) => [`/api/billing/tenants/${slug}/checkout/?purpose=credits&amount_usd=5`, `/api/billing/tenants/${slug}/portal/`, `/api/billing/tenants/${slug}/pricing-table-session/`];
  const answers = async (token: string | null, slug: string) =>
    Promise.all(routes(slug).map(async (path) => {
      const response = await world.call<ErrorBody>('GET', path, { token });
      return { path, status: response.status, code: response.body.error?.code };
    }));

  it('checkout, portal and the pricing-table session answer 503 billing_not_configured to who may bill the tenant, and the webhook 503 too', async () => {
    for (const answer of await answers(world.tokens.owner, world.tenantA.slug)) expect(answer).toEqual({ ...answer, status: 503, code: 'billing_not_configured' });
    for (const answer of await answers(world.tokens.platform_admin, world.tenantA.slug)) expect(answer).toEqual({ ...answer, status: 503, code: 'billing_not_configured' });
    const webhook = await world.call<ErrorBody>('POST', '/api/billing/webhooks/stripe/', { body: { id: 'evt_1' }, headers: { 'stripe-signature': 't=1,v1=x' } });
    expect({ status: webhook.status, code: webhook.body.error.code }).toEqual({ status: 503, code: 'billing_not_configured' });
  });

  it('a tenant the caller may not see is 404 before anything says billing is not configured; a role too low is 403', async () => {
    for (const answer of await answers(world.tokens.outsider, world.tenantA.slug)) expect(answer).toEqual({ ...answer, status: 404, code: 'not_found' });
    for (const answer of await answers(world.tokens.owner, world.tenantB.slug)) expect(answer).toEqual({ ...answer, status: 404, code: 'not_found' });
    for (const answer of await answers(world.tokens.platform_admin, 'no-such-tenant')) expect(answer).toEqual({ ...answer, status: 404, code: 'not_found' });
    for (const answer of await answers(world.tokens.member, world.tenantA.slug)) expect(answer).toEqual({ ...answer, status: 403, code: 'forbidden' });
    for (const answer of await answers(null, world.tenantA.slug)) expect(answer.status).toBe(401);
  });
});
