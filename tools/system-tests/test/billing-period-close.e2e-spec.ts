import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
import { waitUntil } from '@sluice/testing';
import { Client } from 'pg';
import { Cluster } from './support/cluster';
import { Ledger } from './support/ledger';
import { createActiveTenant, createKey, createPlan, type ApiKey, type Tenant } from './support/tenants';
import { sendChat, tally, wasAdmitted, type Outcome } from './support/traffic';

const WEBHOOK_SECRET = 'whsec_period_close';
/** A priced model, answered by the mock provider after 150 ms: requests are in flight at any moment. */
const REQUEST = { kind: 'plain', model: 'mock-smart', content: 'a b [[mock: headers_delay_ms=150]]', stream: false, maxTokens: 20 } as const;
const CONCURRENCY = 3;

interface LineRow {
  id: string;
  statement_id: string;
  kind: 'usage' | 'adjustment' | 'plan_fee';
  model: string | null;
  environment: string | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  amount_micros: string;
  invoiceable: boolean;
  stripe_invoice_item_id: string | null;
}

/**
 * Issue 17, "period close with requests in flight across the boundary": live
 * traffic through a real gateway while the tenant's period ends and the
 * control plane's period-close job runs. Every metered request lands on
 * exactly one statement (a request of the closed period metered after the
 * close on the next statement's adjustment line), each statement's totals are
 * its usage rows, and Stripe gets each owed line once, even when the control
 * plane is SIGKILLed after Stripe created an invoice item and before the
 * item's id was committed.
 */
describe('period close with requests in flight, and a control plane killed mid-invoicing (issue 17)', () => {
  let fake: FakeStripe;
  let cluster: Cluster;
  let ledger: Ledger;
  let db: Client;

  beforeAll(async () => {
    fake = await startFakeStripe();
    cluster = await Cluster.start({
      controlPlanes: 1,
      gateways: 1,
      controlPlaneEnv: { STRIPE_SECRET_KEY: 'sk_test_period_close', STRIPE_API_BASE: fake.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, BILLING_CLOSE_INTERVAL_MS: '200' },
    });
    ledger = await Ledger.open(cluster);
    db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await ledger?.close();
    await cluster?.close();
    await fake?.close();
  }, 60_000);

  /** A postpaid tenant on a one-day plan with a Stripe customer (the checkout creates it) and a live key. */
  async function billedTenant(): Promise<{ tenant: Tenant; key: ApiKey; customer: string }> {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { billing_mode: 'postpaid', period_days: 1 }));
    const key = await createKey(cluster, tenant);
    expect((await cluster.call('GET', `/api/billing/tenants/${tenant.slug}/checkout/?purpose=credits&amount_usd=1`, { token: cluster.adminToken })).status).toBe(200);
    const customer = (await cluster.call<{ stripe_customer_id: string }>('GET', `/api/tenants/${tenant.slug}/`, { token: cluster.adminToken })).body.stripe_customer_id;
    expect(customer).toMatch(/^cus_/);
    return { tenant, key, customer };
  }

  /** Moves the tenant's period so that it ends `msFromNow` from now (negative: ended that long ago); returns that boundary. */
  async function periodEndsIn(tenantId: string, msFromNow: number): Promise<Date> {
    const { rows } = await db.query<{ boundary: Date }>(
      `UPDATE tenants SET last_reset_at = now() - interval '1 day' + ($2::bigint * interval '1 millisecond') WHERE id = $1
       RETURNING last_reset_at + interval '1 day' AS boundary`,
      [tenantId, msFromNow],
    );
    return rows[0].boundary;
  }

  const statementsOf = async (tenantId: string) =>
    (await db.query<{ id: string; period_start: Date; period_end: Date; closed_at: Date; requests: number; usage_cost_micros: string; total_micros: string }>(
      'SELECT id, period_start, period_end, closed_at, requests::int, usage_cost_micros::text, total_micros::text FROM statements WHERE tenant_id = $1 ORDER BY period_start',
      [tenantId],
    )).rows;
  const linesOf = async (tenantId: string) =>
    (await db.query<LineRow>(
      `SELECT l.id, l.statement_id, l.kind, l.model, l.environment, l.requests::int, l.prompt_tokens::int, l.completion_tokens::int, l.amount_micros::text, l.invoiceable, l.stripe_invoice_item_id
       FROM statement_lines l JOIN statements s ON s.id = l.statement_id WHERE s.tenant_id = $1 ORDER BY s.period_start, l.kind, l.model`,
      [tenantId],
    )).rows;
  const itemsOfLine = (lineId: string) => [...fake.state.invoiceItems.values()].filter((item) => item.metadata['statement_line_id'] === lineId);

  it('every request of a live stream across the boundary is on exactly one statement, whose totals equal its usage rows; each owed line reaches Stripe once', async () => {
    const { tenant, key } = await billedTenant();

    let running = true;
    let boundary = new Date(0);
    const outcomes: Outcome[] = [];
    const traffic = Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (running) outcomes.push(await sendChat(cluster.gateways[0].url, 0, key.key, REQUEST));
      }),
    );
    const metered = async () => Number((await db.query('SELECT count(*) AS n FROM usage_events WHERE tenant_id = $1', [tenant.id])).rows[0].n);
    try {
      // Some requests of the ending period are in the ledger before it closes...
      await waitUntil(async () => (await metered()) >= 5, 20_000, 'requests of the ending period to be metered');
      // ...and the rest are held back from the ledger across the close: metered after it, they belong to the closed period all the same.
      const blocked = await ledger.blockLedgerWrites();
      try {
        boundary = await periodEndsIn(tenant.id, 1_500);
        await waitUntil(async () => (await statementsOf(tenant.id)).length === 1, 20_000, 'the period to close');
        const closedAt = (await statementsOf(tenant.id))[0].closed_at.getTime();
        await waitUntil(async () => outcomes.filter((outcome) => outcome.sentAt > closedAt + 500 && wasAdmitted(outcome)).length >= 5, 20_000, 'requests after the close');
      } finally {
        await blocked.release();
      }
      await waitUntil(async () => outcomes.filter((outcome) => outcome.sentAt > Date.now() - 2_000 && wasAdmitted(outcome)).length >= 3, 20_000, 'traffic to go on after the release');
    } finally {
      running = false;
      await traffic;
    }

    const admitted = outcomes.filter(wasAdmitted);
    expect(tally(outcomes.filter((outcome) => !wasAdmitted(outcome)), (outcome) => `${outcome.status ?? outcome.failure}`)).toEqual({});
    await ledger.waitUntilDrained([tenant.id], admitted.map((outcome) => outcome.requestId as string), 30_000);
    const events = await ledger.events([tenant.id]);
    expect(events.map((event) => event.request_id).sort()).toEqual(admitted.map((outcome) => outcome.requestId as string).sort());
    const startedAt = new Map(
      (await db.query<{ request_id: string; started_at: Date }>('SELECT request_id, started_at FROM usage_events WHERE tenant_id = $1', [tenant.id])).rows.map((row) => [row.request_id, row.started_at.getTime()]),
    );
    // Traffic on both sides of the boundary.
    expect([...startedAt.values()].some((at) => at < boundary.getTime())).toBe(true);
    expect([...startedAt.values()].some((at) => at >= boundary.getTime())).toBe(true);

    // The next period ends: everything metered since the first close is on the second statement.
    // Every request was metered, so it started before now: the second period ends now.
    await db.query(`UPDATE tenants SET last_reset_at = now() - interval '2 days' WHERE id = $1`, [tenant.id]);
    await waitUntil(async () => (await statementsOf(tenant.id)).length === 2, 20_000, 'the second statement');
    const [first, second] = await statementsOf(tenant.id);
    expect(first.period_end.getTime()).toBe(boundary.getTime());
    expect(second.period_start.getTime()).toBe(boundary.getTime());

    // Every usage row on exactly one statement (the placement table's primary key forbids two).
    const placed = (await db.query<{ request_id: string; statement_id: string }>('SELECT s.request_id, s.statement_id FROM statement_usage s JOIN usage_events e ON e.request_id = s.request_id WHERE e.tenant_id = $1', [tenant.id])).rows;
    expect(placed.map((row) => row.request_id).sort()).toEqual([...startedAt.keys()].sort());
    const statementOf = new Map(placed.map((row) => [row.request_id, row.statement_id]));
    // The first statement holds only requests of its period; a request of that period on the second is a late one.
    for (const [requestId, at] of startedAt) {
      if (statementOf.get(requestId) === first.id) expect(at).toBeLessThan(boundary.getTime());
    }

    // Each statement's lines and totals are exactly its usage rows.
    const lines = await linesOf(tenant.id);
    for (const statement of [first, second]) {
      const { rows } = await db.query<{ late: boolean; model: string; environment: string; requests: number; prompt_tokens: number; completion_tokens: number; cost_micros: string }>(
        `SELECT (e.started_at < $2) AS late, e.model, e.environment, count(*)::int AS requests, sum(e.prompt_tokens)::int AS prompt_tokens,
           sum(e.completion_tokens)::int AS completion_tokens, sum(e.cost_micros)::text AS cost_micros
         FROM statement_usage s JOIN usage_events e ON e.request_id = s.request_id WHERE s.statement_id = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        [statement.id, statement.period_start],
      );
      const expected = rows.map((row) => ({ kind: row.late ? 'adjustment' : 'usage', model: row.model, environment: row.environment, requests: row.requests, prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens, amount_micros: row.cost_micros }));
      const actual = lines
        .filter((line) => line.statement_id === statement.id && line.kind !== 'plan_fee')
        .map(({ kind, model, environment, requests, prompt_tokens, completion_tokens, amount_micros }) => ({ kind, model, environment, requests, prompt_tokens, completion_tokens, amount_micros }));
      expect(actual.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual(expected.sort((a, b) => a.kind.localeCompare(b.kind)));
      expect(statement.requests).toBe(rows.reduce((sum, row) => sum + row.requests, 0));
      expect(BigInt(statement.usage_cost_micros)).toBe(rows.reduce((sum, row) => sum + BigInt(row.cost_micros), 0n));
      expect(BigInt(statement.total_micros)).toBe(BigInt(statement.usage_cost_micros));
    }
    expect(lines.filter((line) => line.statement_id === first.id).every((line) => line.kind === 'usage')).toBe(true);
    // Requests of the first period metered only after it closed: on the second statement's adjustment line.
    expect(lines.filter((line) => line.statement_id === second.id && line.kind === 'adjustment').length).toBe(1);
    const requestsOnStatements = lines.filter((line) => line.kind !== 'plan_fee').reduce((sum, line) => sum + line.requests, 0);
    expect(requestsOnStatements).toBe(admitted.length);

    // Each owed line reaches Stripe once, for its amount in cents.
    const owed = lines.filter((line) => line.invoiceable);
    expect(owed.length).toBeGreaterThanOrEqual(2);
    await waitUntil(async () => (await linesOf(tenant.id)).filter((line) => line.invoiceable).every((line) => line.stripe_invoice_item_id !== null), 20_000, 'the owed lines to reach Stripe');
    for (const line of await linesOf(tenant.id)) {
      if (!line.invoiceable) continue;
      const items = itemsOfLine(line.id);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ id: line.stripe_invoice_item_id, amount: Number((BigInt(line.amount_micros) + 5_000n) / 10_000n) });
    }
  }, 180_000);

  it('a control plane SIGKILLed after Stripe created the invoice item and before its id was committed: the rerun after the restart gets the same item, never a second', async () => {
    const { tenant, key } = await billedTenant();
    for (let index = 0; index < 3; index++) {
      const outcome = await sendChat(cluster.gateways[0].url, 0, key.key, { ...REQUEST, content: 'a b' });
      expect(outcome.status).toBe(200);
    }
    await waitUntil(async () => (await ledger.events([tenant.id])).length === 3, 20_000, 'the requests to be metered');

    // Stripe carries out the next invoice-item call and holds its answer: the control plane waits for it, and is killed meanwhile.
    fake.injectFault({ path: '/v1/invoiceitems', holdAnswerMs: 120_000 });
    const callsBefore = fake.calls.length;
    // Every request was metered, so it started before now: the period ends now.
    await periodEndsIn(tenant.id, 0);
    const heldCall = async () => fake.calls.slice(callsBefore).find((call) => call.method === 'POST' && call.path === '/v1/invoiceitems');
    await waitUntil(async () => (await heldCall()) !== undefined, 20_000, 'the invoice-item call to reach Stripe');
    const lineId = (await heldCall())?.idempotencyKey?.replace(/^statement-line-/, '') as string;
    const controlPlane = cluster.controlPlanes[0];
    const exit = await controlPlane.kill();
    expect(exit.signal).toBe('SIGKILL');

    // The crash window: Stripe has the item, the database does not know it.
    expect(itemsOfLine(lineId)).toHaveLength(1);
    const lineRow = async () => (await db.query<{ stripe_invoice_item_id: string | null }>('SELECT stripe_invoice_item_id FROM statement_lines WHERE id = $1', [lineId])).rows[0];
    expect((await lineRow()).stripe_invoice_item_id).toBeNull();

    await controlPlane.restart();
    await waitUntil(async () => (await lineRow()).stripe_invoice_item_id !== null, 60_000, 'the rerun to record the invoice item');
    const items = itemsOfLine(lineId);
    expect(items).toHaveLength(1);
    expect((await lineRow()).stripe_invoice_item_id).toBe(items[0].id);
    const attempts = fake.calls.filter((call) => call.method === 'POST' && call.idempotencyKey === `statement-line-${lineId}`);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.every((call) => call.status === 200)).toBe(true);

    // Every owed line of every tenant of this run: one item each in Stripe.
    const { rows } = await db.query<{ id: string; stripe_invoice_item_id: string | null }>('SELECT id, stripe_invoice_item_id FROM statement_lines WHERE invoiceable');
    await waitUntil(
      async () => (await db.query('SELECT count(*)::int AS n FROM statement_lines WHERE invoiceable AND stripe_invoice_item_id IS NULL')).rows[0].n === 0,
      20_000,
      'every owed line to be recorded',
    );
    for (const row of rows) expect(itemsOfLine(row.id)).toHaveLength(1);
    expect(fake.state.invoiceItems.size).toBe(rows.length);
  }, 180_000);
});
