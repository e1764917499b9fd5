import { insertTenant, openTestDatabase, rejection, unique, type TestDatabase } from '../../../test/fixtures';
import { isUniqueViolation } from '../sql';
import { PlansRepository, type NewPlan } from './plans.repository';

/** The plan catalogue is platform-wide; tenants only name a plan by id. */
describe('PlansRepository', () => {
  let db: TestDatabase;
  let plans: PlansRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    plans = new PlansRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const plan = (overrides: Partial<NewPlan> = {}): NewPlan => ({
    id: `plan-${unique()}`,
    name: 'Team',
    billing_mode: 'postpaid',
    price_monthly_cents: 4_900,
    period_days: 7,
    limits: { rpm: 120, max_keys: null },
    allowed_models: ['gpt-*'],
    entitlements: { streaming: true, max_teams: 3 },
    ...overrides,
  });

  it('lists the migrated plans, cheapest first', async () => {
    const listed = await plans.list();
    expect(listed.map((row) => row.id)).toEqual(expect.arrayContaining(['free', 'basic', 'professional', 'enterprise', 'prepaid', 'prepaid-professional']));
    const prices = listed.map((row) => row.price_monthly_cents);
    expect(prices).toEqual([...prices].sort((x, y) => x - y));
    expect(typeof prices[0]).toBe('number');
  });

  it('creates, updates and removes a plan, its limits and entitlements kept as JSON', async () => {
    const created = await db.unitOfWork.run((tx) => plans.create(tx, plan({ id: `team-${unique()}` })));
    expect(created).toEqual(expect.objectContaining({ billing_mode: 'postpaid', price_monthly_cents: 4_900, limits: { rpm: 120, max_keys: null }, allowed_models: ['gpt-*'] }));
    const updated = await db.unitOfWork.run((tx) => plans.update(tx, created.id, { limits: { rpm: 60 }, allowed_models: null, price_monthly_cents: 0 }));
    expect(updated).toEqual(expect.objectContaining({ name: 'Team', limits: { rpm: 60 }, allowed_models: null, price_monthly_cents: 0, entitlements: created.entitlements }));
    await db.unitOfWork.run((tx) => plans.remove(tx, created.id));
    expect(await plans.findById(created.id)).toBeNull();
  });

  it('refuses a second plan of the same id and values the schema forbids', async () => {
    const id = `dup-${unique()}`;
    await db.unitOfWork.run((tx) => plans.create(tx, plan({ id })));
    expect(isUniqueViolation(await rejection(db.unitOfWork.run((tx) => plans.create(tx, plan({ id })))))).toBe(true);
    await expect(db.unitOfWork.run((tx) => plans.create(tx, plan({ period_days: 0 })))).rejects.toThrow(/check constraint/);
    await expect(db.unitOfWork.run((tx) => plans.create(tx, plan({ price_monthly_cents: -1 })))).rejects.toThrow(/check constraint/);
  });

  it('counts the tenants on a plan, deleted ones included', async () => {
    const created = await db.unitOfWork.run((tx) => plans.create(tx, plan()));
    await insertTenant(db.dataSource, { tier: created.id });
    await insertTenant(db.dataSource, { tier: created.id, status: 'deleted' });
    await insertTenant(db.dataSource, { tier: 'basic' });
    expect(await plans.tenantCount(created.id)).toBe(2);
  });
});
