import { insertTenant, insertUser, openTestDatabase, type TestDatabase } from '../../../test/fixtures';
import { CreditsRepository } from './credits.repository';

describe('CreditsRepository', () => {
  let db: TestDatabase;
  let credits: CreditsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    credits = new CreditsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const topUp = (tenantId: string, amountMicros: bigint, reason = 'top-up') =>
    db.unitOfWork.run((tx) => credits.appendTopUp(tx, tenantId, { amountMicros, reason, createdBy: null }));

  describe("never shows or moves another tenant's credit", () => {
    it("keeps each tenant's balance and ledger to its own top-ups", async () => {
      const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
      await topUp(a, 1_000_000n, 'a1');
      await topUp(b, 7_000_000n, 'b1');
      await topUp(a, 2_500_000n, 'a2');
      await topUp(b, 1n, 'b2');
      expect(await credits.totals(a)).toEqual({ tenant_id: a, balance_micros: '3500000', top_ups_micros: '3500000' });
      expect(await credits.totals(b)).toEqual({ tenant_id: b, balance_micros: '7000001', top_ups_micros: '7000001' });
      const ledger = await credits.ledger(a, { limit: 10, offset: 0 });
      expect(ledger.count).toBe(2);
      expect(ledger.rows.map((row) => [row.tenant_id, row.reason, row.amount_micros])).toEqual([
        [a, 'a2', '2500000'],
        [a, 'a1', '1000000'],
      ]);
    });

    it('answers zeros for a tenant with no entries, whoever else has some', async () => {
      const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
      await topUp(b, 5n);
      expect(await credits.totals(a)).toEqual({ tenant_id: a, balance_micros: '0', top_ups_micros: '0' });
      expect(await credits.ledger(a, { limit: 10, offset: 0 })).toEqual({ rows: [], count: 0 });
    });
  });

  it('appends a top-up with who made it, as exact micro-units beyond 2^53', async () => {
    const tenant = await insertTenant(db.dataSource);
    const admin = await insertUser(db.dataSource);
    const huge = 9_007_199_254_740_993n;
    const entry = await db.unitOfWork.run((tx) => credits.appendTopUp(tx, tenant, { amountMicros: huge, reason: 'wire', createdBy: admin }));
    expect(entry).toEqual(expect.objectContaining({ tenant_id: tenant, kind: 'top_up', amount_micros: huge.toString(), reason: 'wire', created_by: admin, request_id: null }));
    expect((await credits.totals(tenant)).balance_micros).toBe(huge.toString());
  });

  it('keeps the ledger append-only', async () => {
    const tenant = await insertTenant(db.dataSource);
    const entry = await topUp(tenant, 10n);
    await expect(db.dataSource.query('UPDATE credit_ledger SET amount_micros = 0 WHERE id = $1', [entry.id])).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query('DELETE FROM credit_ledger WHERE id = $1', [entry.id])).rejects.toThrow(/append-only/);
    expect((await credits.totals(tenant)).balance_micros).toBe('10');
  });

  it('leaves no entry and no balance behind a rolled-back top-up', async () => {
    const tenant = await insertTenant(db.dataSource);
    await topUp(tenant, 3n);
    const failed = db.unitOfWork.run(async (tx) => {
      await credits.appendTopUp(tx, tenant, { amountMicros: 100n, reason: 'rolled back', createdBy: null });
      throw new Error('the change failed after the top-up');
    });
    await expect(failed).rejects.toThrow('the change failed');
    expect(await credits.totals(tenant)).toEqual(expect.objectContaining({ balance_micros: '3', top_ups_micros: '3' }));
    expect((await credits.ledger(tenant, { limit: 10, offset: 0 })).count).toBe(1);
  });

  it('keeps the balance exact under concurrent top-ups of one tenant', async () => {
    const tenant = await insertTenant(db.dataSource);
    await Promise.all(Array.from({ length: 20 }, (_, index) => topUp(tenant, BigInt(index + 1))));
    expect(await credits.totals(tenant)).toEqual(expect.objectContaining({ balance_micros: '210', top_ups_micros: '210' }));
  });

  it('pages the ledger newest first', async () => {
    const tenant = await insertTenant(db.dataSource);
    for (const amount of [1n, 2n, 3n, 4n, 5n]) await topUp(tenant, amount);
    const page = await credits.ledger(tenant, { limit: 2, offset: 1 });
    expect(page.rows.map((row) => row.amount_micros)).toEqual(['4', '3']);
    expect(page.count).toBe(5);
  });

  it("pages every tenant's totals by tenant id, for the balance sync", async () => {
    const tenants = [await insertTenant(db.dataSource), await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
    for (const tenant of tenants) await topUp(tenant, 1n);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Array<{ tenant_id: string }> = await credits.totalsPage(after, 2);
      if (page.length === 0) break;
      seen.push(...page.map((row) => row.tenant_id));
      after = page[page.length - 1].tenant_id;
    }
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(tenants));
  });
});
