import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startFakeStripe, type FakeStripe } from './index';
import { now } from './objects';
import { signatureHeader } from './signature';

const SECRET_KEY = 'sk_test_fake';
const WEBHOOK_SECRET = 'whsec_test_secret';

function stripeFor(fake: FakeStripe, options: Partial<Stripe.StripeConfig> = {}): Stripe {
  const base = new URL(fake.url);
  return new Stripe(SECRET_KEY, { host: base.hostname, port: Number(base.port), protocol: 'http', maxNetworkRetries: 2, ...options });
}

interface Received {
  body: string;
  signature: string;
}

/** A stand-in for Sluice's webhook route: records deliveries, answers 200. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

const creditsSession = (customer: string): Stripe.Checkout.SessionCreateParams => ({
  mode: 'payment',
  customer,
  client_reference_id: 'tenant-1',
  metadata: { purpose: 'credits' },
  success_url: 'http://sluice.test/ok',
  line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2500, product_data: { name: 'Credits' } } }],
});

describe('fake Stripe, driven by the official stripe library', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeEach(async () => {
    fake = await startFakeStripe();
    stripe = stripeFor(fake);
  });
  afterEach(() => fake.close());

  it('creates customers, checkout sessions (cs_, with the line items total), portal sessions (bps_), customer sessions and invoice items (ii_)', async () => {
    const customer = await stripe.customers.create({ email: 'billing@acme.test', name: 'Acme', metadata: { tenant_id: 't1' } });
    expect(customer).toMatchObject({ object: 'customer', email: 'billing@acme.test', metadata: { tenant_id: 't1' } });
    expect(customer.id).toMatch(/^cus_/);
    expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);

    const session = await stripe.checkout.sessions.create(creditsSession(customer.id));
    expect(session).toMatchObject({ object: 'checkout.session', mode: 'payment', status: 'open', amount_total: 2500, currency: 'usd', client_reference_id: 'tenant-1', metadata: { purpose: 'credits' } });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${fake.url}/checkout/${session.id}`);

    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://sluice.test/' });
    expect(portal.id).toMatch(/^bps_/);
    expect(portal.url).toContain('/portal/bps_');

    const customerSession = await stripe.customerSessions.create({ customer: customer.id, components: { pricing_table: { enabled: true } } });
    expect(customerSession).toMatchObject({ object: 'customer_session', customer: customer.id });
    expect(customerSession.client_secret).toMatch(/^cuss_secret_/);

    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 1234, currency: 'usd', description: 'gpt-4o live' });
    expect(item).toMatchObject({ object: 'invoiceitem', amount: 1234, customer: customer.id });
    expect(item.id).toMatch(/^ii_/);
  });

  it("answers in Stripe's error shape: unknown objects, missing parameters, a bad API key", async () => {
    await expect(stripe.checkout.sessions.create(creditsSession('cus_nope'))).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'customer',
    });
    await expect(stripe.billingPortal.sessions.create({} as Stripe.BillingPortal.SessionCreateParams)).rejects.toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'customer' });
    const base = new URL(fake.url);
    const unauthenticated = new Stripe('rk_wrong', { host: base.hostname, port: Number(base.port), protocol: 'http' });
    await expect(unauthenticated.customers.create({})).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
  });

  it('honours idempotency keys: the same request replays the first answer, different parameters are refused', async () => {
    const first = await stripe.customers.create({ email: 'a@acme.test' }, { idempotencyKey: 'line-1' });
    const again = await stripe.customers.create({ email: 'a@acme.test' }, { idempotencyKey: 'line-1' });
    expect(again.id).toBe(first.id);
    expect(fake.state.customers.size).toBe(1);
    await expect(stripe.customers.create({ email: 'b@acme.test' }, { idempotencyKey: 'line-1' })).rejects.toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
  });

  it('an injected 500 is retried by the library with the same idempotency key, and the object is created once', async () => {
    const customer = await stripe.customers.create({});
    fake.injectFault({ status: 500, path: '/v1/invoiceitems', count: 1 });
    const customerSession = await stripe.customerSessions.create({ customer: customer.id, components: { pricing_table: { enabled: true } } });
    expect(customerSession).toMatchObject({ object: 'customer_session', customer: customer.id });
    expect(customerSession.client_secret).toMatch(/^cuss_secret_/);

    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 10, currency: 'usd' }, { idempotencyKey: 'stmt-line-1' });
    const attempts = fake.calls.filter((call) => call.path === '/v1/invoiceitems');
    expect(attempts.map((call) => [call.status, call.idempotencyKey])).toEqual([
      [500, 'stmt-line-1'],
      [200, 'stmt-line-1'],
    ]);
    expect([...fake.state.invoiceItems.keys()]).toEqual([item.id]);
  });

  it('a lost answer (done, then the connection cut) is retried with the same key and replayed: one object', async () => {
    const customer = await stripe.customers.create({});
    fake.injectFault({ loseAnswer: true, path: '/v1/invoiceitems' });
    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 10, currency: 'usd' }, { idempotencyKey: 'stmt-line-2' });
    expect([...fake.state.invoiceItems.keys()]).toEqual([item.id]);
    expect(fake.calls.filter((call) => call.path === '/v1/invoiceitems').map((call) => call.idempotencyKey)).toEqual(['stmt-line-2', 'stmt-line-2']);
  });

  it('lists invoice items newest first by customer and creation time, paged with starting_after (autoPagingToArray)', async () => {
    const [mine, theirs] = [await stripe.customers.create({}), await stripe.customers.create({})];
    const created = [];
    for (let index = 0; index < 5; index++) created.push(await stripe.invoiceItems.create({ customer: mine.id, amount: index + 1, currency: 'usd', metadata: { statement_line_id: `line-${index}` } }));
    await stripe.invoiceItems.create({ customer: theirs.id, amount: 99, currency: 'usd' });
    const all = await stripe.invoiceItems.list({ customer: mine.id, limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((item) => item.id)).toEqual(created.map((item) => item.id).reverse());
    expect(all.map((item) => item.metadata?.['statement_line_id'])).toEqual(['line-4', 'line-3', 'line-2', 'line-1', 'line-0']);
    expect(await stripe.invoiceItems.list({ customer: mine.id, created: { gte: now() + 60 } }).autoPagingToArray({ limit: 100 })).toEqual([]);
  });

  it('forgets idempotency keys as Stripe does after 24 hours: the same key then creates a second object', async () => {
    const customer = await stripe.customers.create({});
    await stripe.invoiceItems.create({ customer: customer.id, amount: 10, currency: 'usd' }, { idempotencyKey: 'old-line' });
    fake.state.forgetIdempotencyKeys();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 10, currency: 'usd' }, { idempotencyKey: 'old-line' });
    expect(fake.state.invoiceItems.size).toBe(2);
  });

  it('a held answer: the call is carried out and recorded at once, the caller hears only later', async () => {
    const customer = await stripe.customers.create({});
    fake.injectFault({ holdAnswerMs: 60_000, path: '/v1/invoiceitems' });
    const impatient = stripeFor(fake, { timeout: 500, maxNetworkRetries: 0 });
    await expect(impatient.invoiceItems.create({ customer: customer.id, amount: 10, currency: 'usd' }, { idempotencyKey: 'held' })).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(fake.state.invoiceItems.size).toBe(1);
    expect(fake.calls.filter((call) => call.path === '/v1/invoiceitems').map((call) => call.status)).toEqual([200]);
    // The retry after the caller's crash gets the first answer.
    const again = await stripe.invoiceItems.create({ customer: customer.id, amount: 10, currency: 'usd' }, { idempotencyKey: 'held' });
    expect([...fake.state.invoiceItems.keys()]).toEqual([again.id]);
  });

  it('an injected 429 carries Retry-After and surfaces as a rate-limit error; a slow answer times the client out', async () => {
    fake.injectFault({ status: 429, retryAfterSeconds: 7 });
    const error = await stripe.customers.create({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect((error as Stripe.errors.StripeError).headers?.['retry-after']).toBe('7');

    fake.injectFault({ delayMs: 1_000 });
    const impatient = stripeFor(fake, { timeout: 100, maxNetworkRetries: 0 });
    await expect(impatient.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
  });

  it('paying a session sends checkout.session.completed signed as Stripe does: constructEvent accepts it', async () => {
    const receiver = await startReceiver();
    try {
      fake.setWebhook(receiver.url, WEBHOOK_SECRET);
      const customer = await stripe.customers.create({});
      const session = await stripe.checkout.sessions.create(creditsSession(customer.id));
      const delivery = await fake.pay(session.id);
      expect(delivery.status).toBe(200);
      expect(receiver.received).toHaveLength(1);
      const event = stripe.webhooks.constructEvent(receiver.received[0].body, receiver.received[0].signature, WEBHOOK_SECRET, 300);
      expect(event.type).toBe('checkout.session.completed');
      expect(event.id).toMatch(/^evt_/);
      expect(event.data.object).toMatchObject({ id: session.id, status: 'complete', payment_status: 'paid', amount_total: 2500, customer: customer.id, client_reference_id: 'tenant-1' });
      expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
      await expect(fake.pay(session.id)).rejects.toThrow(/is complete/);

      // A redelivery keeps the event's id and content.
      await fake.sendEvent('ignored', {}, { id: event.id });
      expect(JSON.parse(receiver.received[1].body)).toEqual(JSON.parse(receiver.received[0].body));
    } finally {
      receiver.server.close();
    }
  });

  it('signs with the same scheme as stripe.webhooks.generateTestHeaderString', () => {
    const payload = '{"id":"evt_1"}';
    const timestamp = 1_700_000_000;
    expect(signatureHeader(payload, WEBHOOK_SECRET, timestamp)).toBe(stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp }));
  });

  it('serves a checkout page whose Pay button completes the session and returns to the success URL', async () => {
    const customer = await stripe.customers.create({});
    const session = await stripe.checkout.sessions.create(creditsSession(customer.id));
    const page = await fetch(session.url as string);
    expect(await page.text()).toContain('25.00 USD');
    const paid = await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('http://sluice.test/ok');
    expect(fake.state.checkoutSessions.get(session.id)?.status).toBe('complete');
    expect((await fetch(`${fake.url}/health`)).status).toBe(200);
  });
});
