import { randomUUID } from 'node:crypto';
import { insertTenant, openTestDatabase, snapshot, type TestDatabase } from '../../../test/fixtures';
import { BillingRepository } from './billing.repository';

describe('BillingRepository', () => {
  let db: TestDatabase;
  let billing: BillingRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    billing = new BillingRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const customerId = () => `cus_${randomUUID().slice(0, 12)}`;
  const tenantRow = async (id: string) => ((await db.dataSource.query('SELECT to_jsonb(t) AS row FROM tenants t WHERE id = $1', [id])) as Array<{ row: unknown }>)[0].row;

  describe("never reads or changes another tenant's billing", () => {
    it("finds a tenant by its own Stripe customer only, and an update changes that tenant's row alone", async () => {
      const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
      const customer = customerId();
      await db.unitOfWork.run((tx) => billing.adoptCustomer(tx, a, customer));
      const before = await tenantRow(b);
      const found = await db.unitOfWork.run((tx) => billing.lockTenantByCustomer(tx, customer));
      expect(found?.id).toBe(a);
      const updated = await db.unitOfWork.run((tx) => billing.update(tx, a, { billing_status: 'past_due', past_due_since: new Date(), last_payment: null }));
      expect(updated).toMatchObject({ id: a, billing_status: 'past_due', stripe_customer_id: customer });
      expect(await tenantRow(b)).toEqual(before);
      expect(await db.unitOfWork.run((tx) => billing.lockTenantByCustomer(tx, customerId()))).toBeNull();
    });

    it("never moves a customer that is another tenant's: the second tenant keeps none", async () => {
      const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
      const customer = customerId();
      expect(await db.unitOfWork.run((tx) => billing.adoptCustomer(tx, a, customer))).toBe(customer);
      expect(await db.unitOfWork.run((tx) => billing.adoptCustomer(tx, b, customer))).toBeNull();
      // A tenant with a customer keeps it.
      expect(await db.unitOfWork.run((tx) => billing.adoptCustomer(tx, a, customerId()))).toBe(customer);
    });

    it('lists as past due only tenants whose payment failed and that are still active', async () => {
      const [due, suspended, current] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource, { status: 'suspended' }), await insertTenant(db.dataSource)];
      await db.dataSource.query(`UPDATE tenants SET billing_status = 'past_due', past_due_since = now() WHERE id = ANY($1::uuid[])`, [[due, suspended]]);
      const ids = (await billing.pastDueActiveTenants()).map((row) => row.id);
      expect(ids).toContain(due);
      expect(ids).not.toContain(suspended);
      expect(ids).not.toContain(current);
    });

    it('locks nothing for an id that is not a uuid or not a tenant', async () => {
      expect(await db.unitOfWork.run((tx) => billing.lockTenant(tx, 'not-a-uuid'))).toBeNull();
      expect(await db.unitOfWork.run((tx) => billing.lockTenant(tx, randomUUID()))).toBeNull();
      expect(await db.unitOfWork.run((tx) => billing.lockTenant(tx, null))).toBeNull();
    });
  });

  it('records an event id once: a second delivery of the same id is not processed', async () => {
    const event = { id: `evt_${randomUUID()}`, type: 'invoice.payment_succeeded', created: Math.floor(Date.now() / 1000) };
    expect(await db.unitOfWork.run((tx) => billing.beginEvent(tx, event))).toBe(true);
    expect(await db.unitOfWork.run((tx) => billing.beginEvent(tx, event))).toBe(false);
    await db.unitOfWork.run((tx) => billing.finishEvent(tx, event.id, 'applied', null, 'in_1'));
    expect(await billing.findEvent(event.id)).toMatchObject({ outcome: 'applied', object_id: 'in_1' });
  });

  it("claims an object's state for the newest event only", async () => {
    const key = `subscription:sub_${randomUUID()}`;
    expect(await db.unitOfWork.run((tx) => billing.claimNewest(tx, key, 200, 'evt_2'))).toBe(true);
    expect(await db.unitOfWork.run((tx) => billing.claimNewest(tx, key, 100, 'evt_1'))).toBe(false);
    expect(await db.unitOfWork.run((tx) => billing.claimNewest(tx, key, 300, 'evt_3'))).toBe(true);
  });

  it('leaves every tenant row as it was when the transaction fails', async () => {
    const tenant = await insertTenant(db.dataSource);
    const before = await snapshot(db.dataSource, 'credit_ledger', tenant);
    const row = await tenantRow(tenant);
    await expect(
      db.unitOfWork.run(async (tx) => {
        await billing.update(tx, tenant, { billing_status: 'past_due', past_due_since: new Date() });
        throw new Error('the effect failed');
      }),
    ).rejects.toThrow('the effect failed');
    expect(await tenantRow(tenant)).toEqual(row);
    expect(await snapshot(db.dataSource, 'credit_ledger', tenant)).toEqual(before);
  });
});
