import { randomUUID } from 'node:crypto';
import { insertApiKey, insertTenant, openTestDatabase, type TestDatabase } from '../../../test/fixtures';
import { StatementsRepository, type NewLine } from './statements.repository';

const DAY = 86_400_000;

describe('StatementsRepository', () => {
  let db: TestDatabase;
  let statements: StatementsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    statements = new StatementsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  async function usage(tenantId: string, startedAt: Date, costMicros = 1_000): Promise<string> {
    const keyId = await insertApiKey(db.dataSource, tenantId);
    const requestId = `req-${randomUUID()}`;
    await db.dataSource.query(
      `INSERT INTO usage_events (request_id, tenant_id, api_key_id, environment, model, provider, prompt_tokens, completion_tokens, cost_micros, usage_source, outcome, http_status, latency_ms, started_at, finished_at)
       VALUES ($1, $2, $3, 'live', 'gpt-4o', 'openai', 10, 5, $4, 'provider', 'success', 200, 10, $5, $5)`,
      [requestId, tenantId, keyId, costMicros, startedAt],
    );
    return requestId;
  }

  const line = (fields: Partial<NewLine> = {}): NewLine => ({ kind: 'usage', model: 'gpt-4o', environment: 'live', requests: 1, promptTokens: 10, completionTokens: 5, amountMicros: 1_000n, invoiceable: true, ...fields });

  /** Closes a statement of `tenantId` ending at `end`, with the usage before it; returns its id. */
  const close = (tenantId: string, start: Date, end: Date) =>
    db.unitOfWork.run(async (tx) => {
      const id = await statements.create(tx, tenantId, { start, end }, { id: 'basic', billing_mode: 'postpaid' });
      await statements.assignUsage(tx, id, tenantId, end);
      await statements.addLine(tx, id, line());
      return id;
    });

  describe("never shows or places another tenant's statements and usage", () => {
    it("puts only the tenant's own usage on its statement", async () => {
      const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
      const now = Date.now();
      const mine = [await usage(a, new Date(now - 2 * DAY)), await usage(a, new Date(now - DAY / 2))];
      await usage(b, new Date(now - DAY / 2));
      const id = await close(a, new Date(now - 3 * DAY), new Date(now - 60_000));
      const groups = await db.unitOfWork.run((tx) => statements.usageGroups(tx, id, new Date(now - DAY)));
      expect(groups.map((group) => [group.late, group.requests])).toEqual([
        [false, '1'],
        [true, '1'],
      ]);
      const placed = (await db.dataSource.query('SELECT request_id FROM statement_usage WHERE statement_id = $1 ORDER BY request_id', [id])) as Array<{ request_id: string }>;
      expect(placed.map((row) => row.request_id)).toEqual([...mine].sort());
      // B's usage is on no statement of A's, and B has none.
      expect(await statements.count(b)).toBe(0);
      expect(await statements.list(b, 10, 0)).toEqual([]);
    });

    it("answers nothing for another tenant's statement id, nor its lines", async () => {
      const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
      const id = await close(a, new Date(Date.now() - DAY), new Date(Date.now() - 1_000));
      expect((await statements.find(a, id))?.id).toBe(id);
      expect(await statements.find(b, id)).toBeNull();
      expect(await statements.lines(a, id)).toHaveLength(1);
      expect(await statements.lines(b, id)).toEqual([]);
      expect(await statements.count(a)).toBe(1);
      expect((await statements.list(a, 10, 0)).map((row) => row.id)).toEqual([id]);
    });

    it('reads the last period end of the tenant asked about only', async () => {
      const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
      const end = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000);
      await close(a, new Date(end.getTime() - DAY), end);
      expect((await db.unitOfWork.run((tx) => statements.lastPeriodEnd(tx, a)))?.period_end).toEqual(end);
      expect(await db.unitOfWork.run((tx) => statements.lastPeriodEnd(tx, b))).toBeNull();
    });
  });

  it('places a usage event on one statement only: a second close picks up what the first did not hold', async () => {
    const tenant = await insertTenant(db.dataSource);
    const now = Date.now();
    await usage(tenant, new Date(now - DAY));
    const first = await close(tenant, new Date(now - 2 * DAY), new Date(now - 1_000));
    const late = await usage(tenant, new Date(now - DAY));
    const second = await close(tenant, new Date(now - 1_000), new Date(now));
    const placed = (await db.dataSource.query('SELECT request_id, statement_id FROM statement_usage s JOIN statements t ON t.id = s.statement_id WHERE t.tenant_id = $1', [tenant])) as Array<{
      request_id: string;
      statement_id: string;
    }>;
    expect(placed).toHaveLength(2);
    expect(placed.find((row) => row.request_id === late)?.statement_id).toBe(second);
    expect(placed.filter((row) => row.statement_id === first)).toHaveLength(1);
  });

  it("lists a line owed to Stripe with its tenant's customer until it is marked invoiced, once", async () => {
    const tenant = await insertTenant(db.dataSource);
    const customer = `cus_${randomUUID().slice(0, 12)}`;
    await db.dataSource.query('UPDATE tenants SET stripe_customer_id = $2 WHERE id = $1', [tenant, customer]);
    const id = await close(tenant, new Date(Date.now() - DAY), new Date());
    const owed = (await statements.toInvoice(1_000)).filter((row) => row.tenant_id === tenant);
    expect(owed).toHaveLength(1);
    expect(owed[0]).toMatchObject({ statement_id: id, stripe_customer_id: customer });
    await statements.markInvoiced(owed[0].id, 'ii_first');
    await statements.markInvoiced(owed[0].id, 'ii_second');
    expect((await statements.lines(tenant, id))[0].stripe_invoice_item_id).toBe('ii_first');
    expect((await statements.toInvoice(1_000)).filter((row) => row.tenant_id === tenant)).toEqual([]);
  });

  it("finds a tenant's unplaced usage through the (tenant_id, started_at) index, not by reading every tenant's events", async () => {
    const tenant = await insertTenant(db.dataSource);
    // One connection: the setting and the plan must be the same session's. Off, since a test table is too small for the planner to prefer any index.
    const runner = db.dataSource.createQueryRunner();
    await runner.query('SET enable_seqscan = off');
    try {
      const plan = (await runner.query(
        `EXPLAIN SELECT e.request_id FROM usage_events e WHERE e.tenant_id = $1 AND e.started_at < now()
         AND NOT EXISTS (SELECT 1 FROM statement_usage s WHERE s.request_id = e.request_id)`,
        [tenant],
      )) as Array<{ 'QUERY PLAN': string }>;
      // usage_events is partitioned by month: each partition's copy of usage_events_tenant_started is named after the partition.
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index (Only )?Scan using usage_events_\w+_tenant_id_started_at_idx/);
      expect(text).not.toMatch(/Seq Scan on usage_events/);
    } finally {
      await runner.query('RESET enable_seqscan');
      await runner.release();
    }
  });
});
