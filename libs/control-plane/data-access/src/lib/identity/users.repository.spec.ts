import { insertMembership, insertTenant, openTestDatabase, rejection, unique, type TestDatabase } from '../../../test/fixtures';
import { isUniqueViolation } from '../sql';
import { UsersRepository, type NewUser } from './users.repository';

/** Users are platform-wide; what is tenant-scoped is the list filtered by the tenants a caller may see. */
describe('UsersRepository', () => {
  let db: TestDatabase;
  let users: UsersRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    users = new UsersRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const everything = { limit: 100, offset: 0 };
  const create = (user: Partial<NewUser> = {}) => db.unitOfWork.run((tx) => users.create(tx, { email: `u-${unique()}@example.com`, passwordHash: null, ...user }));

  it("lists for tenant A only A's members, never B's", async () => {
    const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
    const [ofA, ofB, ofBoth] = [await create(), await create(), await create()];
    await insertMembership(db.dataSource, a, ofA.id);
    await insertMembership(db.dataSource, b, ofB.id);
    await insertMembership(db.dataSource, a, ofBoth.id);
    await insertMembership(db.dataSource, b, ofBoth.id);
    const listed = await users.list({ tenantIds: [a] }, everything);
    expect(listed.rows.map((row) => row.id).sort()).toEqual([ofA.id, ofBoth.id].sort());
    expect(listed.count).toBe(2);
    // A search that only B's member matches finds nothing under A.
    expect(await users.list({ tenantIds: [a], search: ofB.email }, everything)).toEqual({ rows: [], count: 0 });
    expect(await users.list({ tenantIds: [] }, everything)).toEqual({ rows: [], count: 0 });
  });

  it('finds a sign-in name as a username (any case) or, with an @, as an email', async () => {
    const username = `ada_${unique()}`;
    const user = await create({ username });
    expect((await users.findByLogin(username.toUpperCase()))?.id).toBe(user.id);
    expect((await users.findByLogin(user.email))?.id).toBe(user.id);
    expect(await users.findByLogin(`nobody_${unique()}`)).toBeNull();
    expect(isUniqueViolation(await rejection(create({ username: username.toUpperCase() })), 'users_username_key')).toBe(true);
  });

  it('holds an e-mail once, whatever its case, and finds it in any case', async () => {
    const email = `Mixed-${unique()}@Example.com`;
    const user = await create({ email });
    expect(isUniqueViolation(await rejection(create({ email: email.toLowerCase() })))).toBe(true);
    expect((await users.findByEmail(email.toUpperCase()))?.id).toBe(user.id);
  });

  it('filters by activity and searches e-mails and names with pattern characters taken literally', async () => {
    const marker = unique();
    const active = await create({ email: `a_${marker}@example.com`, firstName: 'Ann' });
    const inactive = await create({ email: `b-${marker}@example.com`, lastName: `Smith${marker}`, isActive: false });
    expect((await users.list({ search: marker }, everything)).rows.map((row) => row.id).sort()).toEqual([active.id, inactive.id].sort());
    expect((await users.list({ search: marker, isActive: false }, everything)).rows.map((row) => row.id)).toEqual([inactive.id]);
    expect((await users.list({ search: `a_${marker}` }, everything)).rows.map((row) => row.id)).toEqual([active.id]);
    expect((await users.list({ search: `_${marker}@` }, everything)).rows.map((row) => row.id)).toEqual([active.id]);
  });

  it('pages and orders by an allowed column', async () => {
    const marker = unique();
    for (const letter of ['c', 'a', 'b']) await create({ email: `${letter}-${marker}@example.com` });
    const page = await users.list({ search: marker }, { limit: 2, offset: 1, ordering: '-email' });
    expect(page).toEqual({ rows: [expect.objectContaining({ email: `b-${marker}@example.com` }), expect.objectContaining({ email: `a-${marker}@example.com` })], count: 3 });
  });

  it('updates only the user named, and records a login', async () => {
    const [user, other] = [await create(), await create()];
    const updated = await db.unitOfWork.run((tx) => users.update(tx, user.id, { first_name: 'Zed', is_active: false }));
    expect(updated).toEqual(expect.objectContaining({ id: user.id, first_name: 'Zed', is_active: false }));
    expect(await db.unitOfWork.run((tx) => users.update(tx, user.id, {}))).toEqual(updated);
    await users.recordLogin(user.id);
    expect((await users.findById(user.id))?.last_login_at).toBeInstanceOf(Date);
    expect(await users.findById(other.id)).toEqual(other);
    expect(await users.count()).toBeGreaterThanOrEqual(2);
  });
});
