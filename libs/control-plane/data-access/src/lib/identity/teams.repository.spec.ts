import { insertMembership, insertTeam, insertTenant, insertUser, openTestDatabase, rejection, snapshot, type TestDatabase } from '../../../test/fixtures';
import { isUniqueViolation } from '../sql';
import { TeamsRepository } from './teams.repository';

describe('TeamsRepository', () => {
  let db: TestDatabase;
  let teams: TeamsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    teams = new TeamsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const everything = { limit: 100, offset: 0 };

  /** Two tenants with a team of the same name each, and a member in each team. */
  async function twoTenants() {
    const { dataSource } = db;
    const [a, b] = [await insertTenant(dataSource), await insertTenant(dataSource)];
    const [teamA, teamB] = [await insertTeam(dataSource, a, 'Research'), await insertTeam(dataSource, b, 'Research')];
    const otherB = await insertTeam(dataSource, b, 'Sales');
    await insertMembership(dataSource, a, await insertUser(dataSource), 'member', teamA);
    await insertMembership(dataSource, b, await insertUser(dataSource), 'member', teamB);
    await insertMembership(dataSource, b, await insertUser(dataSource), 'member', teamB);
    return { a, b, teamA, teamB, otherB };
  }

  describe("never shows or changes another tenant's teams", () => {
    it('reads by id only within the tenant named', async () => {
      const { a, teamA, teamB } = await twoTenants();
      expect(await teams.findById(a, teamB)).toBeNull();
      expect(await teams.findById(a, teamA)).toEqual(expect.objectContaining({ tenant_id: a, name: 'Research', member_count: 1 }));
    });

    it("lists only the tenant's own teams, searched or not", async () => {
      const { a, teamA, teamB } = await twoTenants();
      expect((await teams.list(null, undefined, { limit: 10_000, offset: 0 })).rows.map((row) => row.id)).toEqual(expect.arrayContaining([teamA, teamB]));
      expect(await teams.list([a], undefined, everything)).toEqual({ rows: [expect.objectContaining({ id: teamA })], count: 1 });
      expect(await teams.list([a], 'research', everything)).toEqual({ rows: [expect.objectContaining({ id: teamA })], count: 1 });
      expect(await teams.list([a], 'Sales', everything)).toEqual({ rows: [], count: 0 });
      // No tenants is nothing; only null (a platform admin) is every tenant.
      expect(await teams.list([], undefined, everything)).toEqual({ rows: [], count: 0 });
    });

    it("leaves B's team untouched when updated or deleted under A's id", async () => {
      const { a, b, teamB } = await twoTenants();
      const before = await snapshot(db.dataSource, 'teams', b);
      const updated = await db.unitOfWork.run((tx) => teams.update(tx, a, teamB, { name: 'Taken over', limits: { rpm: 1 } }));
      expect(updated).toBeNull();
      await db.unitOfWork.run((tx) => teams.delete(tx, a, teamB));
      expect(await snapshot(db.dataSource, 'teams', b)).toEqual(before);
      expect(await teams.findById(b, teamB)).toEqual(expect.objectContaining({ name: 'Research', member_count: 2 }));
    });

    it('answers the tenant of a team id only (for routes that name just the id)', async () => {
      const { a, b, teamA, teamB } = await twoTenants();
      expect(await teams.tenantOf(teamA)).toBe(a);
      expect(await teams.tenantOf(teamB)).toBe(b);
    });
  });

  it('creates and updates a team with its limits as JSON', async () => {
    const tenant = await insertTenant(db.dataSource);
    const created = await db.unitOfWork.run((tx) => teams.create(tx, tenant, { name: 'Platform', limits: { rpm: 10 } }));
    expect(created).toEqual(expect.objectContaining({ tenant_id: tenant, name: 'Platform', description: '', limits: { rpm: 10 }, member_count: 0 }));
    const updated = await db.unitOfWork.run((tx) => teams.update(tx, tenant, created.id, { description: 'Infra', limits: { tpm: 5, rpm: null } }));
    expect(updated).toEqual(expect.objectContaining({ name: 'Platform', description: 'Infra', limits: { tpm: 5, rpm: null } }));
    await db.unitOfWork.run((tx) => teams.delete(tx, tenant, created.id));
    expect(await teams.findById(tenant, created.id)).toBeNull();
  });

  it('holds a name once per tenant, and lets another tenant use it', async () => {
    const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
    await db.unitOfWork.run((tx) => teams.create(tx, a, { name: 'Ops' }));
    expect(isUniqueViolation(await rejection(db.unitOfWork.run((tx) => teams.create(tx, a, { name: 'Ops' }))), 'teams_name_per_tenant')).toBe(true);
    await expect(db.unitOfWork.run((tx) => teams.create(tx, b, { name: 'Ops' }))).resolves.toEqual(expect.objectContaining({ tenant_id: b }));
  });

  it('pages and orders by name, and searches names and descriptions with pattern characters taken literally', async () => {
    const tenant = await insertTenant(db.dataSource);
    for (const name of ['delta', 'alpha', 'charlie', 'bravo', '100%_done']) {
      await db.unitOfWork.run((tx) => teams.create(tx, tenant, { name, description: name === 'charlie' ? 'the c team' : '' }));
    }
    const page = await teams.list([tenant], undefined, { limit: 2, offset: 1 });
    expect(page).toEqual({ rows: [expect.objectContaining({ name: 'alpha' }), expect.objectContaining({ name: 'bravo' })], count: 5 });
    const descending = await teams.list([tenant], undefined, { limit: 10, offset: 0, ordering: '-name' });
    expect(descending.rows.map((row) => row.name)).toEqual(['delta', 'charlie', 'bravo', 'alpha', '100%_done']);
    expect((await teams.list([tenant], 'C TEAM', everything)).rows.map((row) => row.name)).toEqual(['charlie']);
    expect((await teams.list([tenant], '%_', everything)).rows.map((row) => row.name)).toEqual(['100%_done']);
  });
});
