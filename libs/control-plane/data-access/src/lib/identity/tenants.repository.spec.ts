import { waitUntil } from '@sluice/testing';
import { insertMembership, insertTenant, insertUser, openTestDatabase, rejection, unique, type TestDatabase } from '../../../test/fixtures';
import { isUniqueViolation } from '../sql';
import { TenantsRepository, type NewTenant } from './tenants.repository';

describe('TenantsRepository', () => {
  let db: TestDatabase;
  let tenants: TenantsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    tenants = new TenantsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const everything = { limit: 100, offset: 0 };
  const create = (tenant: Partial<NewTenant> = {}) =>
    db.unitOfWork.run((tx) => tenants.create(tx, { name: `Tenant ${unique()}`, slug: `t-${unique()}`, status: 'active', ...tenant }));

  describe("never shows or changes another tenant's row", () => {
    it('lists for a user only the tenants where they have a role, and for a key only its own', async () => {
      const [a, b] = [await create(), await create()];
      const user = await insertUser(db.dataSource);
      await insertMembership(db.dataSource, a.id, user, 'owner');
      expect(await tenants.list({ memberUserId: user }, everything)).toEqual({ rows: [expect.objectContaining({ id: a.id, user_count: 1 })], count: 1 });
      expect(await tenants.list({ tenantId: b.id }, everything)).toEqual({ rows: [expect.objectContaining({ id: b.id })], count: 1 });
      // Both at once (a user's key for another tenant): nothing.
      expect(await tenants.list({ memberUserId: user, tenantId: b.id }, everything)).toEqual({ rows: [], count: 0 });
    });

    it('updates only the tenant named', async () => {
      const [a, b] = [await create(), await create()];
      const updated = await db.unitOfWork.run((tx) =>
        tenants.update(tx, a.id, { status: 'suspended', suspension_reason: 'unpaid', settings: { theme: 'dark' }, quota_overrides: { rpm: 5 } }),
      );
      expect(updated).toEqual(expect.objectContaining({ status: 'suspended', suspension_reason: 'unpaid', settings: { theme: 'dark' }, quota_overrides: { rpm: 5 } }));
      expect(await tenants.findById(b.id)).toEqual(b);
    });

    it('counts only its own members', async () => {
      const [a, b] = [await create(), await create()];
      const [first, second] = [await insertUser(db.dataSource), await insertUser(db.dataSource)];
      await insertMembership(db.dataSource, a.id, first);
      await insertMembership(db.dataSource, b.id, first);
      await insertMembership(db.dataSource, b.id, second);
      expect((await tenants.findById(a.id))?.user_count).toBe(1);
      expect((await tenants.findById(b.id))?.user_count).toBe(2);
    });
  });

  it('finds a tenant by id, slug (any case) or domain', async () => {
    const tenant = await create({ slug: `Acme-${unique()}`, domain: `acme-${unique()}.example.com` });
    expect((await tenants.findByIdOrSlug(tenant.id))?.id).toBe(tenant.id);
    expect((await tenants.findByIdOrSlug(tenant.slug.toUpperCase()))?.id).toBe(tenant.id);
    expect((await tenants.findByReference(tenant.domain as string))?.id).toBe(tenant.id);
    expect(await tenants.findByIdOrSlug(tenant.domain as string)).toBeNull();
    expect(await tenants.findByReference(`missing-${unique()}`)).toBeNull();
  });

  it("prefers a tenant's slug to another tenant's domain of the same text", async () => {
    const text = `shared-${unique()}`;
    const byDomain = await create({ domain: text });
    const bySlug = await create({ slug: text });
    expect((await tenants.findByReference(text))?.id).toBe(bySlug.id);
    expect(byDomain.id).not.toBe(bySlug.id);
  });

  it('holds a slug and a domain once, whatever their case', async () => {
    const slug = `unique-${unique()}`;
    const domain = `${slug}.example.com`;
    await create({ slug, domain });
    expect(isUniqueViolation(await rejection(create({ slug: slug.toUpperCase() })))).toBe(true);
    expect(isUniqueViolation(await rejection(create({ domain: domain.toUpperCase() })))).toBe(true);
  });

  it('leaves deleted tenants out of a list unless asked for by status', async () => {
    const marker = unique();
    const live = await create({ name: `Live ${marker}` });
    const deleted = await create({ name: `Gone ${marker}` });
    await db.unitOfWork.run((tx) => tenants.update(tx, deleted.id, { status: 'deleted', deleted_at: new Date() }));
    expect((await tenants.list({ search: marker }, everything)).rows.map((row) => row.id)).toEqual([live.id]);
    expect((await tenants.list({ search: marker, status: 'deleted' }, everything)).rows.map((row) => row.id)).toEqual([deleted.id]);
    // Still reachable by id: deletion is a status, not a missing row.
    expect((await tenants.findById(deleted.id))?.status).toBe('deleted');
  });

  it('filters by tier and searches names, slugs, contact e-mails and domains', async () => {
    const marker = unique();
    const [byName, bySlug, byEmail, byDomain] = [
      await create({ name: `Name ${marker}`, subscriptionTier: 'enterprise' }),
      await create({ slug: `slug-${marker}` }),
      await create({ contactEmail: `ops-${marker}@example.com` }),
      await create({ domain: `${marker}.example.com` }),
    ];
    const found = await tenants.list({ search: marker.toUpperCase() }, everything);
    expect(found.rows.map((row) => row.id).sort()).toEqual([byName.id, bySlug.id, byEmail.id, byDomain.id].sort());
    expect((await tenants.list({ search: marker, subscriptionTier: 'enterprise' }, everything)).rows.map((row) => row.id)).toEqual([byName.id]);
  });

  it('pages and orders by an allowed column', async () => {
    const marker = unique();
    for (const letter of ['c', 'a', 'b']) await create({ name: `${letter} ${marker}` });
    const page = await tenants.list({ search: marker }, { limit: 2, offset: 0, ordering: '-name' });
    expect(page).toEqual({ rows: [expect.objectContaining({ name: `c ${marker}` }), expect.objectContaining({ name: `b ${marker}` })], count: 3 });
    expect((await tenants.list({ search: marker }, { limit: 2, offset: 2 })).rows.map((row) => row.name)).toEqual([`c ${marker}`]);
  });

  it('locks a tenant row until the transaction ends', async () => {
    const tenant = await create();
    const order: string[] = [];
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const holder = db.unitOfWork.run(async (tx) => {
      await tenants.lock(tx, tenant.id);
      locked();
      await released;
      order.push('holder commits');
    });
    await lockTaken;
    const waiter = db.unitOfWork.run(async (tx) => {
      await tenants.lock(tx, tenant.id);
      order.push('waiter locks');
    });
    // The waiter is seen blocked on the row before the holder lets go.
    await waitUntil(async () => (await lockWaiters()) === 1, 5_000, 'the waiter to block on the lock');
    release();
    await Promise.all([holder, waiter]);
    expect(order).toEqual(['holder commits', 'waiter locks']);
  });

  async function lockWaiters(): Promise<number> {
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return n;
  }

  it('creates a tenant with the defaults it omits', async () => {
    const tenant = await db.unitOfWork.run((tx) => tenants.create(tx, { name: 'Bare', slug: `bare-${unique()}`, status: 'pending' }));
    expect(tenant).toEqual(
      expect.objectContaining({ status: 'pending', subscription_tier: 'basic', domain: null, settings: {}, quota_overrides: {}, activated_at: null, user_count: 0 }),
    );
    const [{ activated }] = await db.dataSource.query(`SELECT activated_at IS NOT NULL AS activated FROM tenants WHERE id = $1`, [
      (await create({ status: 'active' })).id,
    ]);
    expect(activated).toBe(true);
  });

  it('lists every tenant for a platform admin (no member filter)', async () => {
    const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
    const listed = await tenants.list({}, { limit: 10_000, offset: 0 });
    expect(listed.rows.map((row) => row.id)).toEqual(expect.arrayContaining([a, b]));
  });
});
