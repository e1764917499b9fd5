import { randomUUID } from 'node:crypto';
import { insertApiKey, insertTenant, openTestDatabase, type TestDatabase } from '../../../test/fixtures';
import { CreditsRepository } from '../billing/credits.repository';
import { UsageLedgerRepository, type UsageEventInput } from './usage-ledger.repository';
import { UsagePartitionsRepository } from './usage-partitions.repository';

describe('UsageLedgerRepository', () => {
  let db: TestDatabase;
  let ledger: UsageLedgerRepository;
  let credits: CreditsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    ledger = new UsageLedgerRepository(db.dataSource);
    credits = new CreditsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const PERIOD_START = new Date('2026-03-01T00:00:00.000Z');
  const march = { from: '2026-03-01', to: '2026-03-31' };

  /** A tenant on a plan, its quota period counted from PERIOD_START, with one key. */
  async function tenantWithKey(tier = 'basic'): Promise<{ tenant: string; key: string }> {
    const tenant = await insertTenant(db.dataSource, { tier });
    await db.dataSource.query('UPDATE tenants SET last_reset_at = $2 WHERE id = $1', [tenant, PERIOD_START]);
    return { tenant, key: await insertApiKey(db.dataSource, tenant) };
  }

  const event = (owner: { tenant: string; key: string }, overrides: Partial<UsageEventInput> = {}): UsageEventInput => ({
    request_id: `req_${randomUUID()}`,
    tenant_id: owner.tenant,
    api_key_id: owner.key,
    team_id: null,
    environment: 'live',
    model: 'gpt-4o',
    provider: 'openai',
    deployment: null,
    prompt_tokens: 10,
    completion_tokens: 5,
    cost_micros: 100,
    usage_source: 'provider',
    outcome: 'completed',
    http_status: 200,
    latency_ms: 120,
    time_to_first_token_ms: null,
    started_at: '2026-03-02T10:00:00.000Z',
    finished_at: '2026-03-02T10:00:01.000Z',
    ...overrides,
  });

  const ingest = (events: UsageEventInput[]) => db.unitOfWork.run((tx) => ledger.ingest(tx, events));

  describe("never counts another tenant's usage", () => {
    it("answers a tenant's usage and period totals from its own events only", async () => {
      const [a, b] = [await tenantWithKey(), await tenantWithKey()];
      await ingest([event(a), event(b, { prompt_tokens: 1000, cost_micros: 9_000 }), event(a, { model: 'claude-3-haiku' }), event(b)]);
      expect(await ledger.usage(a.tenant, march, 'model')).toEqual([
        { group: 'claude-3-haiku', requests: '1', prompt_tokens: '10', completion_tokens: '5', cost_micros: '100' },
        { group: 'gpt-4o', requests: '1', prompt_tokens: '10', completion_tokens: '5', cost_micros: '100' },
      ]);
      expect(await ledger.periodUsage(a.tenant, PERIOD_START)).toEqual({ api_calls: '2', ai_tokens: '30', cost_micros: '200' });
      expect(await ledger.periodUsage(b.tenant, PERIOD_START)).toEqual({ api_calls: '2', ai_tokens: '1020', cost_micros: '9100' });
    });

    it("answers nothing for another tenant's key asked for under A's id", async () => {
      const [a, b] = [await tenantWithKey(), await tenantWithKey()];
      await ingest([event(a), event(b)]);
      expect(await ledger.usage(a.tenant, { ...march, apiKeyId: b.key }, 'key')).toEqual([]);
      expect(await ledger.usage(a.tenant, { ...march, apiKeyId: a.key }, 'key')).toEqual([expect.objectContaining({ group: a.key, requests: '1' })]);
    });

    it("debits only the prepaid tenant's own balance", async () => {
      const [prepaid, postpaid] = [await tenantWithKey('prepaid'), await tenantWithKey('basic')];
      await ingest([event(prepaid, { cost_micros: 250 }), event(postpaid, { cost_micros: 999 })]);
      expect((await credits.totals(prepaid.tenant)).balance_micros).toBe('-250');
      expect(await credits.totals(postpaid.tenant)).toEqual(expect.objectContaining({ balance_micros: '0' }));
      expect(await credits.ledger(postpaid.tenant, { limit: 10, offset: 0 })).toEqual({ rows: [], count: 0 });
    });
  });

  it('records a redelivered event once', async () => {
    const owner = await tenantWithKey('prepaid');
    const batch = [event(owner), event(owner)];
    expect(await ingest(batch)).toBe(2);
    expect(await ingest([...batch, event(owner)])).toBe(1);
    expect(await ledger.periodUsage(owner.tenant, PERIOD_START)).toEqual(expect.objectContaining({ api_calls: '3' }));
    expect((await credits.totals(owner.tenant)).balance_micros).toBe('-300');
    expect(await ingest([])).toBe(0);
  });

  it('stores every text column as sent, whatever characters it holds, each event in its own row', async () => {
    const owner = await tenantWithKey();
    const awkward = event(owner, { request_id: `req,"quoted"\\ {braces} NULL ${randomUUID()}`, model: 'model, with "quotes"', provider: 'NULL', deployment: 'dep\\loy\tment é 😀' });
    const plain = event(owner, { deployment: null });
    expect(await ingest([awkward, plain])).toBe(2);
    const rows = (await db.dataSource.query(`SELECT request_id, model, provider, deployment FROM usage_events WHERE tenant_id = $1 ORDER BY model`, [owner.tenant])) as unknown[];
    expect(rows).toEqual([
      { request_id: plain.request_id, model: 'gpt-4o', provider: 'openai', deployment: null },
      { request_id: awkward.request_id, model: awkward.model, provider: 'NULL', deployment: awkward.deployment },
    ]);
  });

  it('records hostile strings and upper-case ids as sent, once, however often the event comes again', async () => {
    const owner = await tenantWithKey('prepaid');
    const hostile = event(owner, {
      request_id: `it's "a" \\ {b,c} NULL é 😀 ${randomUUID()}`,
      tenant_id: owner.tenant.toUpperCase(),
      api_key_id: owner.key.toUpperCase(),
      team_id: 'ABCDEF01-2345-6789-ABCD-EF0123456789',
      model: `'; DROP TABLE usage_events; --`,
      provider: '\\\\"\\',
      deployment: 'e\u0301 𝄞 \t\n',
      usage_source: 'NULL' as UsageEventInput['usage_source'],
      outcome: '{}' as UsageEventInput['outcome'],
      cost_micros: 9_007_199_254_740_991,
    });
    expect(await ingest([hostile, hostile])).toBe(1);
    expect(await ingest([hostile, event(owner)])).toBe(1);
    const rows = (await db.dataSource.query(
      `SELECT request_id, tenant_id, api_key_id, team_id, model, provider, deployment, usage_source, outcome, cost_micros FROM usage_events WHERE request_id = $1`,
      [hostile.request_id],
    )) as unknown[];
    expect(rows).toEqual([
      {
        request_id: hostile.request_id,
        tenant_id: owner.tenant,
        api_key_id: owner.key,
        team_id: 'abcdef01-2345-6789-abcd-ef0123456789',
        model: hostile.model,
        provider: hostile.provider,
        deployment: hostile.deployment,
        usage_source: 'NULL',
        outcome: '{}',
        cost_micros: '9007199254740991',
      },
    ]);
    expect((await credits.totals(owner.tenant)).balance_micros).toBe('-9007199254741091');
  });

  it('skips an event redelivered with its start written another way (text literal one time, binary the next): the same instant', async () => {
    const owner = await tenantWithKey('prepaid');
    const first = event(owner, { started_at: '2026-03-02T12:00:00+02:00', finished_at: '2026-03-02T10:00:01.000001Z' });
    expect(await ingest([first])).toBe(1);
    expect(await ingest([{ ...first, started_at: '2026-03-02T10:00:00.000Z', finished_at: '2026-03-02T10:00:01.000Z' }])).toBe(0);
    expect(await ingest([{ ...first, started_at: '2026-03-02T10:00:00.000Z' }, event(owner)])).toBe(1);
    expect((await credits.totals(owner.tenant)).balance_micros).toBe('-200');
  });

  it('leaves PostgreSQL to refuse a value out of its column range, as a data exception the consumer dead-letters', async () => {
    const owner = await tenantWithKey();
    for (const overrides of [{ http_status: 70_000 }, { latency_ms: 2_147_483_648 }, { model: 'a\u0000b' }, { model: 'm'.repeat(129) }]) {
      await expect(ingest([event(owner, overrides)])).rejects.toMatchObject({ driverError: { code: expect.stringMatching(/^22/) } });
    }
    expect(await ingest([event(owner)])).toBe(1);
  });

  it('debits live requests with a cost, never test-environment or free ones', async () => {
    const owner = await tenantWithKey('prepaid');
    await ingest([event(owner, { cost_micros: 40 }), event(owner, { environment: 'test', cost_micros: 500 }), event(owner, { cost_micros: 0 })]);
    const entries = await credits.ledger(owner.tenant, { limit: 10, offset: 0 });
    expect(entries.rows.map((row) => [row.kind, row.amount_micros])).toEqual([['usage', '-40']]);
    expect(await ledger.usage(owner.tenant, march, 'environment')).toEqual([
      expect.objectContaining({ group: 'live', requests: '2', cost_micros: '40' }),
      expect.objectContaining({ group: 'test', requests: '1', cost_micros: '500' }),
    ]);
  });

  it('rolls usage up by UTC day, within the range asked, and into the quota period the request started in', async () => {
    const owner = await tenantWithKey();
    await ingest([
      event(owner, { started_at: '2026-03-02T23:59:59.999Z' }),
      event(owner, { started_at: '2026-03-03T00:00:00.000Z' }),
      // Day 31 of a 30-day plan: the next period.
      event(owner, { started_at: '2026-03-31T00:00:00.000Z' }),
    ]);
    expect((await ledger.usage(owner.tenant, march, 'day')).map((row) => [row.group, row.requests])).toEqual([
      ['2026-03-02', '1'],
      ['2026-03-03', '1'],
      ['2026-03-31', '1'],
    ]);
    expect((await ledger.usage(owner.tenant, { from: '2026-03-03', to: '2026-03-03' }, 'day')).map((row) => row.group)).toEqual(['2026-03-03']);
    expect((await ledger.periodUsage(owner.tenant, PERIOD_START)).api_calls).toBe('2');
    expect((await ledger.periodUsage(owner.tenant, new Date('2026-03-31T00:00:00.000Z'))).api_calls).toBe('1');
    expect(await ledger.periodUsage(owner.tenant, new Date('2026-01-01T00:00:00.000Z'))).toEqual({ api_calls: '0', ai_tokens: '0', cost_micros: '0' });
  });

  it("reads several tenants' period usage in one query, each in its own period", async () => {
    const [a, b, idle] = [await tenantWithKey(), await tenantWithKey(), await tenantWithKey()];
    await ingest([event(a), event(a), event(b, { started_at: '2026-03-31T00:00:00.000Z' })]);
    const rows = await ledger.periodUsages([
      { tenantId: a.tenant, periodStart: PERIOD_START },
      { tenantId: b.tenant, periodStart: new Date('2026-03-31T00:00:00.000Z') },
      { tenantId: idle.tenant, periodStart: PERIOD_START },
    ]);
    expect(rows.sort((x, y) => (x.api_calls < y.api_calls ? -1 : 1))).toEqual([
      { tenant_id: b.tenant, api_calls: '1', ai_tokens: '15', cost_micros: '100' },
      { tenant_id: a.tenant, api_calls: '2', ai_tokens: '30', cost_micros: '200' },
    ]);
    expect(await credits.totalsOf([a.tenant, idle.tenant])).toEqual([
      { tenant_id: a.tenant, balance_micros: '0', top_ups_micros: '0' },
      { tenant_id: idle.tenant, balance_micros: '0', top_ups_micros: '0' },
    ]);
  });

  describe('on the monthly partitions of usage_events', () => {
    // The test database has partitions from its migration's month on; the months of these events get theirs as the partitions job gives them.
    beforeAll(async () => {
      const partitions = new UsagePartitionsRepository(db.dataSource);
      for (const month of ['2026-03-01', '2026-04-01']) await partitions.ensureMonth(month);
    });

    const rollupRequests = async (tenant: string) =>
      Number(((await db.dataSource.query(`SELECT COALESCE(sum(requests), 0)::int AS n FROM usage_daily WHERE tenant_id = $1`, [tenant])) as Array<{ n: number }>)[0].n);
    const eventRows = async (tenant: string) =>
      (await db.dataSource.query(`SELECT request_id, tableoid::regclass::text AS partition FROM usage_events WHERE tenant_id = $1 ORDER BY started_at, request_id`, [
        tenant,
      ])) as Array<{ request_id: string; partition: string }>;
    const debits = async (tenant: string) => (await credits.ledger(tenant, { limit: 100, offset: 0 })).rows.map((row) => [row.request_id, row.amount_micros]);

    it('refuses to create a partition for anything but the first day of a month', async () => {
      const partitions = new UsagePartitionsRepository(db.dataSource);
      for (const month of ['2026-03-02', "2026-03-01'; DROP TABLE usage_events; --", '2026-13-01']) await expect(partitions.ensureMonth(month)).rejects.toThrow(/first day of a month/);
    });

    it('records a request id repeated within one batch once, keeping its first event, even under another started_at', async () => {
      const owner = await tenantWithKey('prepaid');
      const first = event(owner);
      const malformed = { ...first, started_at: '2026-04-02T10:00:00.000Z', finished_at: '2026-04-02T10:00:01.000Z', cost_micros: 999 };
      expect(await ingest([first, { ...first }, malformed])).toBe(1);
      expect((await eventRows(owner.tenant)).map((row) => row.request_id)).toEqual([first.request_id]);
      expect(await rollupRequests(owner.tenant)).toBe(1);
      expect(await ledger.periodUsage(owner.tenant, PERIOD_START)).toEqual({ api_calls: '1', ai_tokens: '15', cost_micros: '100' });
      expect(await debits(owner.tenant)).toEqual([[first.request_id, '-100']]);
    });

    it('records each event of a batch that spans a month boundary once, in its month, and skips them all when redelivered', async () => {
      const owner = await tenantWithKey('prepaid');
      const batch = [
        event(owner, { started_at: '2026-03-31T23:59:59.999Z', finished_at: '2026-04-01T00:00:00.500Z' }),
        event(owner, { started_at: '2026-04-01T00:00:00.000Z', finished_at: '2026-04-01T00:00:00.700Z' }),
      ];
      expect(await ingest(batch)).toBe(2);
      expect((await eventRows(owner.tenant)).map((row) => row.partition)).toEqual(['usage_events_y2026m03', 'usage_events_y2026m04']);
      expect(await ingest([...batch].reverse())).toBe(0);
      expect(await ingest([batch[1]])).toBe(0);
      expect(await rollupRequests(owner.tenant)).toBe(2);
      expect((await ledger.usage(owner.tenant, { from: '2026-03-31', to: '2026-04-01' }, 'day')).map((row) => [row.group, row.requests])).toEqual([
        ['2026-03-31', '1'],
        ['2026-04-01', '1'],
      ]);
      expect((await credits.totals(owner.tenant)).balance_micros).toBe('-200');
      expect(await debits(owner.tenant)).toHaveLength(2);
    });

    it('counts a batch redelivered after a crash exactly once: the rolled-back attempt left nothing, the second records all', async () => {
      const owner = await tenantWithKey('prepaid');
      const batch = [event(owner), event(owner, { started_at: '2026-03-20T00:00:00.000Z' }), event(owner, { environment: 'test' })];
      // The consumer died before its commit: the transaction rolled back, the entries stayed pending and come again.
      await expect(
        db.unitOfWork.run(async (tx) => {
          expect(await ledger.ingest(tx, batch)).toBe(3);
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect(await eventRows(owner.tenant)).toEqual([]);
      expect(await ingest(batch)).toBe(3);
      // It died again after the commit, before XACK: the same batch comes a third time, together with a new event.
      const later = event(owner);
      expect(await ingest([...batch, later])).toBe(1);
      expect(await rollupRequests(owner.tenant)).toBe(4);
      expect((await ledger.periodUsage(owner.tenant, PERIOD_START)).api_calls).toBe('4');
      expect((await credits.totals(owner.tenant)).balance_micros).toBe('-300');
      expect(await debits(owner.tenant)).toHaveLength(3);
    });

    it('records events far behind and far ahead of every partition in the DEFAULT partition, once each', async () => {
      const owner = await tenantWithKey('prepaid');
      const behind = event(owner, { started_at: '1999-12-31T23:00:00.000Z', finished_at: '1999-12-31T23:00:01.000Z' });
      const ahead = event(owner, { started_at: '2099-06-15T12:00:00.000Z', finished_at: '2099-06-15T12:00:01.000Z' });
      expect(await ingest([behind, ahead])).toBe(2);
      expect(await ingest([ahead, behind])).toBe(0);
      expect((await eventRows(owner.tenant)).map((row) => [row.request_id, row.partition])).toEqual([
        [behind.request_id, 'usage_events_default'],
        [ahead.request_id, 'usage_events_default'],
      ]);
      expect(await rollupRequests(owner.tenant)).toBe(2);
      expect(await debits(owner.tenant)).toHaveLength(2);
    });

    it('debits a request id once even when a malformed event repeats it under another started_at in a later batch', async () => {
      const owner = await tenantWithKey('prepaid');
      const first = event(owner);
      expect(await ingest([first])).toBe(1);
      // Not a redelivery (that carries the same started_at): a writer that stamped one request twice. The batch does not
      // fail, and the money moves once; the row itself is kept (docs/scaling.md, "PostgreSQL at volume").
      expect(await ingest([{ ...first, started_at: '2026-03-05T00:00:00.000Z', finished_at: '2026-03-05T00:00:01.000Z' }])).toBe(1);
      expect(await debits(owner.tenant)).toEqual([[first.request_id, '-100']]);
      expect((await credits.totals(owner.tenant)).balance_micros).toBe('-100');
    });
  });
});
