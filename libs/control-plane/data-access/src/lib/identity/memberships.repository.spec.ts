import { insertMembership, insertTeam, insertTenant, insertUser, openTestDatabase, rejection, snapshot, type TestDatabase } from '../../../test/fixtures';
import { isUniqueViolation } from '../sql';
import { MembershipsRepository } from './memberships.repository';

describe('MembershipsRepository', () => {
  let db: TestDatabase;
  let memberships: MembershipsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    memberships = new MembershipsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  /** Tenant A with two members (one in a team), tenant B with a member of its own and one shared with A. */
  async function twoTenants() {
    const { dataSource } = db;
    const [a, b] = [await insertTenant(dataSource), await insertTenant(dataSource)];
    const [teamA, teamB] = [await insertTeam(dataSource, a), await insertTeam(dataSource, b)];
    const [alice, bob, carol, shared] = [
      await insertUser(dataSource, { email: `alice-${a}@example.com` }),
      await insertUser(dataSource, { email: `bob-${a}@example.com` }),
      await insertUser(dataSource, { email: `carol-${b}@example.com` }),
      await insertUser(dataSource, { email: `shared-${a}@example.com` }),
    ];
    const ofA = {
      owner: await insertMembership(dataSource, a, alice, 'owner'),
      member: await insertMembership(dataSource, a, bob, 'member', teamA),
      shared: await insertMembership(dataSource, a, shared, 'viewer'),
    };
    const ofB = {
      owner: await insertMembership(dataSource, b, carol, 'owner'),
      member: await insertMembership(dataSource, b, shared, 'member', teamB),
    };
    return { a, b, teamA, teamB, users: { alice, bob, carol, shared }, ofA, ofB };
  }

  const everything = { limit: 100, offset: 0 };

  describe("never shows or changes another tenant's memberships", () => {
    it('reads by id or user only within the tenant named', async () => {
      const { a, b, users, ofA, ofB } = await twoTenants();
      expect(await memberships.findById(a, ofB.owner)).toBeNull();
      expect(await memberships.findById(a, ofB.member)).toBeNull();
      expect(await memberships.findByUser(a, users.carol)).toBeNull();
      expect((await memberships.findById(a, ofA.owner))?.tenant_id).toBe(a);
      // A user in both tenants: each tenant sees its own membership of them.
      expect((await memberships.findByUser(a, users.shared))?.id).toBe(ofA.shared);
      expect((await memberships.findByUser(b, users.shared))?.id).toBe(ofB.member);
    });

    it("lists and counts only the tenant's own rows, whatever the filters", async () => {
      const { a, b, teamB, ofA } = await twoTenants();
      const listed = await memberships.list([a], {}, everything);
      expect(listed.rows.map((row) => row.id).sort()).toEqual(Object.values(ofA).sort());
      expect(listed.count).toBe(3);
      expect(listed.rows.every((row) => row.tenant_id === a)).toBe(true);
      // B's team and B's role: nothing of B comes back under A.
      expect(await memberships.list([a], { teamId: teamB }, everything)).toEqual({ rows: [], count: 0 });
      expect((await memberships.list([a], { role: 'owner' }, everything)).rows.map((row) => row.id)).toEqual([ofA.owner]);
      expect(await memberships.countMembers(a)).toBe(3);
      expect(await memberships.countByRole(a, 'owner')).toBe(1);
      expect(await memberships.countByRole(a, 'member')).toBe(1);
      expect(await memberships.countMembers(b)).toBe(2);
    });

    it('lists nothing for a caller with no tenants, and every tenant only for null (a platform admin)', async () => {
      const { ofA, ofB } = await twoTenants();
      expect(await memberships.list([], {}, everything)).toEqual({ rows: [], count: 0 });
      const all = await memberships.list(null, {}, { limit: 10_000, offset: 0 });
      expect(all.rows.map((row) => row.id)).toEqual(expect.arrayContaining([...Object.values(ofA), ...Object.values(ofB)]));
    });

    it("leaves B's row untouched when updated or deleted under A's id", async () => {
      const { a, b, teamA, ofB } = await twoTenants();
      const before = await snapshot(db.dataSource, 'tenant_users', b);
      const updated = await db.unitOfWork.run((tx) => memberships.update(tx, a, ofB.owner, { role: 'viewer', team_id: teamA }));
      expect(updated).toBeNull();
      await db.unitOfWork.run((tx) => memberships.delete(tx, a, ofB.owner));
      await db.unitOfWork.run((tx) => memberships.delete(tx, a, ofB.member));
      expect(await snapshot(db.dataSource, 'tenant_users', b)).toEqual(before);
    });

    it('answers the tenant of a membership id only (for routes that name just the id)', async () => {
      const { a, b, ofA, ofB } = await twoTenants();
      expect(await memberships.tenantOf(ofA.owner)).toBe(a);
      expect(await memberships.tenantOf(ofB.owner)).toBe(b);
    });

    it("gives a user's roles in every tenant they belong to, and no other tenant's", async () => {
      const { a, b, users } = await twoTenants();
      const roles = await memberships.rolesOfUser(users.shared);
      expect(roles).toEqual(expect.arrayContaining([{ id: expect.any(String), tenant_id: a, role: 'viewer' }, { id: expect.any(String), tenant_id: b, role: 'member' }]));
      expect(roles).toHaveLength(2);
      expect(await memberships.rolesOfUser(users.carol)).toEqual([{ id: expect.any(String), tenant_id: b, role: 'owner' }]);
    });
  });

  it('creates, updates and deletes within the tenant, with the user joined for display', async () => {
    const { dataSource } = db;
    const tenant = await insertTenant(dataSource);
    const team = await insertTeam(dataSource, tenant);
    const user = await insertUser(dataSource, { firstName: 'Dana' });
    const created = await db.unitOfWork.run((tx) => memberships.create(tx, tenant, user, 'admin'));
    expect(created).toEqual(expect.objectContaining({ tenant_id: tenant, user_id: user, role: 'admin', team_id: null, first_name: 'Dana' }));
    const moved = await db.unitOfWork.run((tx) => memberships.update(tx, tenant, created.id, { team_id: team }));
    expect(moved).toEqual(expect.objectContaining({ role: 'admin', team_id: team }));
    const unchanged = await db.unitOfWork.run((tx) => memberships.update(tx, tenant, created.id, {}));
    expect(unchanged.updated_at).toEqual(moved.updated_at);
    await db.unitOfWork.run((tx) => memberships.delete(tx, tenant, created.id));
    expect(await memberships.findById(tenant, created.id)).toBeNull();
  });

  it('holds a user once per tenant, and lets them join other tenants', async () => {
    const { dataSource } = db;
    const [a, b] = [await insertTenant(dataSource), await insertTenant(dataSource)];
    const user = await insertUser(dataSource);
    await db.unitOfWork.run((tx) => memberships.create(tx, a, user, 'member'));
    const twice = db.unitOfWork.run((tx) => memberships.create(tx, a, user, 'admin'));
    expect(isUniqueViolation(await rejection(twice), 'tenant_users_once')).toBe(true);
    await expect(db.unitOfWork.run((tx) => memberships.create(tx, b, user, 'admin'))).resolves.toEqual(expect.objectContaining({ tenant_id: b }));
  });

  it('pages and orders a list, with the total of the whole filter', async () => {
    const { dataSource } = db;
    const tenant = await insertTenant(dataSource);
    const emails = ['c', 'a', 'd', 'b'].map((letter) => `${letter}-${tenant}@example.com`);
    for (const email of emails) await insertMembership(dataSource, tenant, await insertUser(dataSource, { email }));
    const sorted = [...emails].sort();
    const page = await memberships.list([tenant], {}, { limit: 2, offset: 1, ordering: 'email' });
    expect(page).toEqual({ rows: sorted.slice(1, 3).map((email) => expect.objectContaining({ email })), count: 4 });
    const descending = await memberships.list([tenant], {}, { limit: 10, offset: 0, ordering: '-email' });
    expect(descending.rows.map((row) => row.email)).toEqual([...sorted].reverse());
    // An ordering outside the allow-list falls back to the default rather than reaching the SQL.
    const fallback = await memberships.list([tenant], {}, { limit: 10, offset: 0, ordering: 'user_id; DROP TABLE users' });
    expect(fallback).toEqual(await memberships.list([tenant], {}, { limit: 10, offset: 0 }));
  });

  it("keeps a membership but drops its team when the team is deleted", async () => {
    const { dataSource } = db;
    const tenant = await insertTenant(dataSource);
    const team = await insertTeam(dataSource, tenant);
    const id = await insertMembership(dataSource, tenant, await insertUser(dataSource), 'member', team);
    await dataSource.query('DELETE FROM teams WHERE id = $1', [team]);
    expect(await memberships.findById(tenant, id)).toEqual(expect.objectContaining({ team_id: null }));
  });
});
