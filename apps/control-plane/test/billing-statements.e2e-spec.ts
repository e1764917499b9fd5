import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
import { waitUntil } from '@sluice/testing';
import { Client } from 'pg';
import { unique, type Call } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { usageEvent, UsageStreamClient } from './usage-stream-client';

interface Line {
  id: string;
  kind: string;
  model: string | null;
  environment: string | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  amount_micros: number;
  stripe_invoice_item_id: string | null;
}
interface Statement {
  id: string;
  period_start: string;
  period_end: string;
  requests: number;
  usage_cost_micros: number;
  plan_fee_micros: number;
  total_micros: number;
  lines: Line[];
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const DAY = 86_400_000;
const MINUTE = 60_000;

describe('period statements and usage invoiced exactly once (issue 17)', () => {
  let fake: FakeStripe;
  let world: IdentityWorld;
  let stream: UsageStreamClient;
  let db: Client;
  let admin: Call;

  beforeAll(async () => {
    fake = await startFakeStripe();
    world = await startIdentityWorld({ STRIPE_SECRET_KEY: 'sk_test_statements', STRIPE_API_BASE: fake.url, STRIPE_WEBHOOK_SECRET: 'whsec_statements', BILLING_CLOSE_INTERVAL_MS: '200' });
    stream = new UsageStreamClient(world.app.redisKeyPrefix);
    db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    admin = (method, path, options = {}) => world.call(method, path, { token: world.tokens.platform_admin, ...options });
  });
  afterAll(async () => {
    stream?.redis.disconnect();
    await db?.end();
    await world?.app.close();
    await fake?.close();
  });

  const statements = async (slug: string) => (await admin<{ count: number; results: Array<{ id: string }> }>('GET', `/api/tenants/${slug}/statements/`)).body;
  const statement = async (slug: string, id: string) => (await admin<Statement>('GET', `/api/tenants/${slug}/statements/${id}/`)).body;
  const metered = async (tenantId: string, count: number) =>
    waitUntil(async () => Number((await db.query('SELECT count(*) AS n FROM usage_events WHERE tenant_id = $1', [tenantId])).rows[0].n) === count, 10_000, `${count} usage events`);
  /** Moves the tenant's period start back, as if the time had passed: the period-close job then finds ended periods. */
  const periodsStartedAgo = (tenantId: string, ms: number) => db.query(`UPDATE tenants SET last_reset_at = now() - ($2::bigint * interval '1 millisecond') WHERE id = $1`, [tenantId, ms]);

  it('closes each ended period into a statement whose lines equal the usage rows; postpaid live lines reach Stripe once; late usage lands on the next statement', async () => {
    const plan = unique('daily');
    expect((await admin('POST', '/api/plans/', { body: { id: plan, name: 'Daily', billing_mode: 'postpaid', price_monthly_cents: 1_000, period_days: 1 } })).status).toBe(201);
    const slug = unique('billed');
    const created = await admin<{ id: string }>('POST', '/api/tenants/', { body: { name: slug, slug, subscription_tier: plan } });
    const tenantId = created.body.id;
    await admin('POST', `/api/tenants/${slug}/activate/`);
    await admin('GET', `/api/billing/tenants/${slug}/checkout/?purpose=credits&amount_usd=1`);

    // The period that is about to end: [now − 1 day − 10 min, now − 10 min); one request after it.
    const inPeriod = [
      usageEvent({ tenant_id: tenantId, model: 'gpt-4o', environment: 'live', prompt_tokens: 100, completion_tokens: 50, cost_micros: 1_234_567, started_at: ago(DAY) }),
      usageEvent({ tenant_id: tenantId, model: 'gpt-4o', environment: 'live', prompt_tokens: 10, completion_tokens: 5, cost_micros: 100_000, started_at: ago(20 * MINUTE) }),
      usageEvent({ tenant_id: tenantId, model: 'mock-fast', environment: 'test', prompt_tokens: 1, completion_tokens: 2, cost_micros: 0, started_at: ago(12 * 60 * MINUTE) }),
    ];
    const current = usageEvent({ tenant_id: tenantId, model: 'gpt-4o', environment: 'live', cost_micros: 999, started_at: ago(5 * MINUTE) });
    // Stripe loses its first answer to the invoice item: the retry with the same idempotency key gets the replay.
    fake.injectFault({ loseAnswer: true, path: '/v1/invoiceitems' });
    await stream.append(...inPeriod, current);
    await metered(tenantId, 4);
    await periodsStartedAgo(tenantId, DAY + 10 * MINUTE);

    await waitUntil(async () => (await statements(slug)).count === 1, 10_000, 'the first statement');
    const first = await statement(slug, (await statements(slug)).results[0].id);
    expect(first).toMatchObject({ requests: 3, usage_cost_micros: 1_334_567, plan_fee_micros: 10_000_000, total_micros: 10_000_000 + 1_334_567 });
    expect(first.lines.map(({ kind, model, environment, requests, prompt_tokens, completion_tokens, amount_micros }) => ({ kind, model, environment, requests, prompt_tokens, completion_tokens, amount_micros }))).toEqual([
      { kind: 'usage', model: 'gpt-4o', environment: 'live', requests: 2, prompt_tokens: 110, completion_tokens: 55, amount_micros: 1_334_567 },
      { kind: 'usage', model: 'mock-fast', environment: 'test', requests: 1, prompt_tokens: 1, completion_tokens: 2, amount_micros: 0 },
      { kind: 'plan_fee', model: null, environment: null, requests: 0, prompt_tokens: 0, completion_tokens: 0, amount_micros: 10_000_000 },
    ]);
    // Every usage row of the period, and only those, is on it.
    const onStatement = (await db.query('SELECT request_id FROM statement_usage WHERE statement_id = $1 ORDER BY request_id', [first.id])).rows.map((row: { request_id: string }) => row.request_id);
    expect(onStatement).toEqual(inPeriod.map((event) => event.request_id).sort());

    const liveLine = first.lines[0];
    await waitUntil(async () => (await statement(slug, first.id)).lines[0].stripe_invoice_item_id !== null, 10_000, 'the line to reach Stripe');
    const items = [...fake.state.invoiceItems.values()];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ amount: 133, currency: 'usd', metadata: { statement_line_id: liveLine.id } });
    expect((await statement(slug, first.id)).lines[0].stripe_invoice_item_id).toBe(items[0].id);
    expect(fake.calls.filter((call) => call.path === '/v1/invoiceitems').map((call) => call.idempotencyKey)).toEqual([`statement-line-${liveLine.id}`, `statement-line-${liveLine.id}`]);

    // Killed after Stripe answered but before the id was committed: the rerun sends the same key and gets the same item.
    await db.query('UPDATE statement_lines SET stripe_invoice_item_id = NULL, invoiced_at = NULL WHERE id = $1', [liveLine.id]);
    await waitUntil(async () => (await statement(slug, first.id)).lines[0].stripe_invoice_item_id !== null, 10_000, 'the rerun to record the item');
    expect((await statement(slug, first.id)).lines[0].stripe_invoice_item_id).toBe(items[0].id);
    expect(fake.state.invoiceItems.size).toBe(1);
    expect(fake.calls.filter((call) => call.path === '/v1/invoiceitems')).toHaveLength(3);

    // A consumer replaying after an outage delivers usage of the closed period late.
    const late = usageEvent({ tenant_id: tenantId, model: 'gpt-4o', environment: 'live', cost_micros: 50_000, started_at: ago(DAY - MINUTE) });
    await stream.append(late);
    await metered(tenantId, 5);
    // The next period ends 3 minutes ago: it holds the request of 5 minutes ago, and the late one as an adjustment.
    await periodsStartedAgo(tenantId, 2 * DAY + 3 * MINUTE);
    await waitUntil(async () => (await statements(slug)).count === 2, 10_000, 'the second statement');
    const second = await statement(slug, (await statements(slug)).results[0].id);
    expect(second.lines.filter((line) => line.kind !== 'plan_fee').map(({ kind, model, requests, amount_micros }) => ({ kind, model, requests, amount_micros }))).toEqual([
      { kind: 'adjustment', model: 'gpt-4o', requests: 1, amount_micros: 50_000 },
      { kind: 'usage', model: 'gpt-4o', requests: 1, amount_micros: 999 },
    ]);
    // Each usage row on exactly one statement.
    const placement = await db.query(
      'SELECT count(*)::int AS events, count(s.request_id)::int AS placed, count(DISTINCT s.statement_id)::int AS statements FROM usage_events e LEFT JOIN statement_usage s ON s.request_id = e.request_id WHERE e.tenant_id = $1',
      [tenantId],
    );
    expect(placement.rows[0]).toEqual({ events: 5, placed: 5, statements: 2 });
    await waitUntil(async () => fake.state.invoiceItems.size === 3, 10_000, 'the new lines to reach Stripe');
  });

  it("a line left unsent past Stripe's 24-hour idempotency window is looked up by its id before it is created: found, it is not sent again; missing, it is created once", async () => {
    const plan = unique('daily');
    expect((await admin('POST', '/api/plans/', { body: { id: plan, name: 'Daily', billing_mode: 'postpaid', period_days: 1 } })).status).toBe(201);
    const slug = unique('late-sent');
    const tenantId = (await admin<{ id: string }>('POST', '/api/tenants/', { body: { name: slug, slug, subscription_tier: plan } })).body.id;
    await admin('POST', `/api/tenants/${slug}/activate/`);
    await admin('GET', `/api/billing/tenants/${slug}/checkout/?purpose=credits&amount_usd=1`);
    await stream.append(
      usageEvent({ tenant_id: tenantId, model: 'gpt-4o', environment: 'live', cost_micros: 20_000, started_at: ago(2 * 60 * MINUTE) }),
      usageEvent({ tenant_id: tenantId, model: 'mock-smart', environment: 'live', cost_micros: 30_000, started_at: ago(60 * MINUTE) }),
    );
    await metered(tenantId, 2);
    await periodsStartedAgo(tenantId, DAY + 10 * MINUTE);
    await waitUntil(async () => (await statements(slug)).count === 1, 10_000, 'the statement');
    const statementId = (await statements(slug)).results[0].id;
    await waitUntil(async () => (await statement(slug, statementId)).lines.every((line) => line.kind === 'plan_fee' || line.stripe_invoice_item_id !== null), 10_000, 'both lines to reach Stripe');
    const [found, missing] = (await statement(slug, statementId)).lines.filter((line) => line.kind === 'usage');
    const itemsOf = (lineId: string) => [...fake.state.invoiceItems.values()].filter((item) => item.metadata['statement_line_id'] === lineId);
    expect(itemsOf(found.id)).toHaveLength(1);
    expect(itemsOf(missing.id)).toHaveLength(1);

    // A day later: Stripe has forgotten the keys; one line's item reached Stripe, the other's never did, and neither id was committed.
    fake.state.forgetIdempotencyKeys();
    fake.state.invoiceItems.delete(itemsOf(missing.id)[0].id);
    const callsBefore = fake.calls.length;
    await db.query(`UPDATE statements SET closed_at = now() - interval '25 hours' WHERE id = $1`, [statementId]);
    await db.query('UPDATE statement_lines SET stripe_invoice_item_id = NULL, invoiced_at = NULL WHERE statement_id = $1', [statementId]);

    await waitUntil(async () => (await statement(slug, statementId)).lines.every((line) => line.kind === 'plan_fee' || line.stripe_invoice_item_id !== null), 10_000, 'the lines to be recorded again');
    const after = (await statement(slug, statementId)).lines;
    expect(itemsOf(found.id)).toHaveLength(1);
    expect(after.find((line) => line.id === found.id)?.stripe_invoice_item_id).toBe(found.stripe_invoice_item_id);
    expect(itemsOf(missing.id)).toHaveLength(1);
    expect(after.find((line) => line.id === missing.id)?.stripe_invoice_item_id).toBe(itemsOf(missing.id)[0].id);
    const since = fake.calls.slice(callsBefore).filter((call) => call.path === '/v1/invoiceitems');
    expect(since.filter((call) => call.method === 'GET').length).toBeGreaterThanOrEqual(1);
    expect(since.filter((call) => call.method === 'POST').map((call) => call.idempotencyKey)).toEqual([`statement-line-${missing.id}`]);
  });

  it('bills live and staging usage, and lists test and development usage on lines of their own without charging it', async () => {
    const plan = unique('daily-free');
    expect((await admin('POST', '/api/plans/', { body: { id: plan, name: 'Daily, no fee', billing_mode: 'postpaid', price_monthly_cents: 0, period_days: 1 } })).status).toBe(201);
    const slug = unique('environments');
    const tenantId = (await admin<{ id: string }>('POST', '/api/tenants/', { body: { name: slug, slug, subscription_tier: plan } })).body.id;
    await admin('POST', `/api/tenants/${slug}/activate/`);
    const costs = { live: 100_000, staging: 20_000, test: 7_000, development: 5_000 };
    await stream.append(
      ...Object.entries(costs).map(([environment, cost_micros]) =>
        usageEvent({ tenant_id: tenantId, model: 'mock-fast', environment: environment as keyof typeof costs, cost_micros, started_at: ago(60 * MINUTE) }),
      ),
    );
    await metered(tenantId, 4);
    await periodsStartedAgo(tenantId, DAY + 10 * MINUTE);

    await waitUntil(async () => (await statements(slug)).count === 1, 10_000, 'the statement');
    const closed = await statement(slug, (await statements(slug)).results[0].id);
    expect(closed).toMatchObject({ requests: 4, usage_cost_micros: 132_000, total_micros: costs.live + costs.staging });
    expect(closed.lines.map(({ environment, amount_micros }) => [environment, amount_micros])).toEqual([
      ['development', 5_000],
      ['live', 100_000],
      ['staging', 20_000],
      ['test', 7_000],
    ]);
    const invoiceable = await db.query('SELECT environment, invoiceable FROM statement_lines WHERE statement_id = $1 ORDER BY environment', [closed.id]);
    expect(invoiceable.rows).toEqual([
      { environment: 'development', invoiceable: false },
      { environment: 'live', invoiceable: true },
      { environment: 'staging', invoiceable: true },
      { environment: 'test', invoiceable: false },
    ]);
  });

  it('serves a statement as CSV, and hides statements from other tenants and roles', async () => {
    const list = await statements(world.tenantA.slug);
    expect(list.count).toBe(0);
    expect((await world.call('GET', `/api/tenants/${world.tenantA.slug}/statements/`, { token: world.tokens.member })).status).toBe(403);
    expect((await world.call('GET', `/api/tenants/${world.tenantA.slug}/statements/`, { token: world.tokens.outsider })).status).toBe(404);
    expect((await admin('GET', `/api/tenants/${world.tenantA.slug}/statements/00000000-0000-4000-8000-000000000000/`)).status).toBe(404);
    expect((await admin('GET', `/api/tenants/${world.tenantA.slug}/statements/not-an-id.csv`)).status).toBe(404);

    const row = (await db.query<{ id: string; slug: string }>('SELECT s.id, t.slug FROM statements s JOIN tenants t ON t.id = s.tenant_id LIMIT 1')).rows[0];
    const csv = await fetch(`${world.app.url}/api/tenants/${row.slug}/statements/${row.id}.csv`, { headers: { authorization: `Bearer ${world.tokens.platform_admin}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toBe('kind,model,environment,requests,prompt_tokens,completion_tokens,amount_usd,stripe_invoice_item_id');
    expect(text).toMatch(/\r\ntotal,/);
    expect((await admin('GET', `/api/tenants/${world.tenantA.slug}/statements/${row.id}.csv`)).status).toBe(404);
  });
});
