import { fakeHash, insertApiKey, insertMembership, insertTeam, insertTenant, insertUser, openTestDatabase, rejection, snapshot, unique, type TestDatabase } from '../../../test/fixtures';
import { isUniqueViolation } from '../sql';
import { ApiKeysRepository, type NewApiKey } from './api-keys.repository';

describe('ApiKeysRepository', () => {
  let db: TestDatabase;
  let apiKeys: ApiKeysRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    apiKeys = new ApiKeysRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const everything = { limit: 100, offset: 0 };
  const past = new Date(Date.now() - 60_000);
  const future = new Date(Date.now() + 3_600_000);

  const newKey = (overrides: Partial<NewApiKey> = {}): NewApiKey => ({
    teamId: null,
    createdBy: null,
    name: `key-${unique()}`,
    keyHash: fakeHash(),
    prefix: 'sk-live',
    last4: 'abcd',
    environment: 'live',
    scopes: ['inference'],
    expiresAt: null,
    allowedModels: null,
    allowedIps: null,
    allowedRegions: null,
    allowedOrigins: null,
    allowNoOrigin: true,
    limits: {},
    ...overrides,
  });

  /** Two tenants with a team each and keys in every state, B's in the same states as A's. */
  async function twoTenants() {
    const { dataSource } = db;
    const [a, b] = [await insertTenant(dataSource), await insertTenant(dataSource)];
    const [teamA, teamB] = [await insertTeam(dataSource, a), await insertTeam(dataSource, b)];
    const keysOf = async (tenant: string, team: string) => ({
      active: await insertApiKey(dataSource, tenant, { name: 'active', teamId: team }),
      test: await insertApiKey(dataSource, tenant, { name: 'test', environment: 'test', expiresAt: future }),
      revoked: await insertApiKey(dataSource, tenant, { name: 'revoked', status: 'revoked' }),
      expired: await insertApiKey(dataSource, tenant, { name: 'expired', expiresAt: past }),
    });
    return { a, b, teamA, teamB, ofA: await keysOf(a, teamA), ofB: await keysOf(b, teamB) };
  }

  const ids = (rows: Array<{ id: string }>) => rows.map((row) => row.id).sort();

  describe("never shows or changes another tenant's keys", () => {
    it('reads and locks by id only within the tenant named', async () => {
      const { a, ofA, ofB } = await twoTenants();
      for (const id of Object.values(ofB)) expect(await apiKeys.findById(a, id)).toBeNull();
      expect(await db.unitOfWork.run((tx) => apiKeys.lock(tx, a, ofB.active))).toBeNull();
      expect((await db.unitOfWork.run((tx) => apiKeys.lock(tx, a, ofA.active)))?.tenant_id).toBe(a);
    });

    it('finds keys by (tenant, id) pairs only within the tenant each pair names', async () => {
      const { a, ofA, ofB } = await twoTenants();
      const found = await apiKeys.findByTenantAndIds([{ tenantId: a, id: ofA.active }, ...Object.values(ofB).map((id) => ({ tenantId: a, id }))]);
      expect(found.map((key) => [key.tenant_id, key.id])).toEqual([[a, ofA.active]]);
    });

    it("finds a team's keys only within the tenant named", async () => {
      const { a, teamA, teamB, ofA } = await twoTenants();
      expect(await apiKeys.ofTeam(a, teamB)).toEqual([]);
      expect(ids(await apiKeys.ofTeam(a, teamA))).toEqual([ofA.active]);
    });

    it("counts and lists only the tenant's usable keys", async () => {
      const { a, ofA } = await twoTenants();
      expect(ids(await apiKeys.usable(a))).toEqual([ofA.active, ofA.test].sort());
      expect(await apiKeys.countUsable(a)).toBe(2);
    });

    it("lists only the tenant's own keys, under every filter", async () => {
      const { a, ofA } = await twoTenants();
      const all = await apiKeys.list([a], {}, everything);
      expect(all.count).toBe(4);
      expect(ids(all.rows)).toEqual(Object.values(ofA).sort());
      expect(ids((await apiKeys.list([a], { status: 'active' }, everything)).rows)).toEqual([ofA.active, ofA.test].sort());
      expect(ids((await apiKeys.list([a], { status: 'revoked' }, everything)).rows)).toEqual([ofA.revoked]);
      expect(ids((await apiKeys.list([a], { status: 'expired' }, everything)).rows)).toEqual([ofA.expired]);
      expect(ids((await apiKeys.list([a], { environment: 'test' }, everything)).rows)).toEqual([ofA.test]);
      expect(ids((await apiKeys.list([a], { search: 'revoked' }, everything)).rows)).toEqual([ofA.revoked]);
      // No tenants is nothing; only null (a platform admin) is every tenant.
      expect(await apiKeys.list([], {}, everything)).toEqual({ rows: [], count: 0 });
    });

    it("leaves B's key untouched when updated under A's id", async () => {
      const { a, b, ofB } = await twoTenants();
      const before = await snapshot(db.dataSource, 'api_keys', b);
      const updated = await db.unitOfWork.run((tx) =>
        apiKeys.update(tx, a, ofB.active, { status: 'revoked', revoked_at: new Date(), name: 'taken over', limits: { rpm: 1 } }),
      );
      expect(updated).toBeNull();
      expect(await snapshot(db.dataSource, 'api_keys', b)).toEqual(before);
    });

    it('answers the tenant of a key id only (for routes that name just the id)', async () => {
      const { a, b, ofA, ofB } = await twoTenants();
      expect(await apiKeys.tenantOf(ofA.active)).toBe(a);
      expect(await apiKeys.tenantOf(ofB.active)).toBe(b);
    });
  });

  it('creates a key with its restrictions and limits, and updates them', async () => {
    const tenant = await insertTenant(db.dataSource);
    const created = await db.unitOfWork.run((tx) =>
      apiKeys.create(tx, tenant, newKey({ allowedModels: ['gpt-*'], allowedIps: ['10.0.0.0/8'], allowedRegions: ['us-east'], limits: { rpm: 5 } })),
    );
    expect(created).toEqual(
      expect.objectContaining({
        tenant_id: tenant,
        status: 'active',
        scopes: ['inference'],
        allowed_models: ['gpt-*'],
        allowed_ips: ['10.0.0.0/8'],
        allowed_regions: ['us-east'],
        limits: { rpm: 5 },
      }),
    );
    const updated = await db.unitOfWork.run((tx) => apiKeys.update(tx, tenant, created.id, { limits: { tpm: 7 }, allowed_models: null }));
    expect(updated).toEqual(expect.objectContaining({ limits: { tpm: 7 }, allowed_models: null, allowed_ips: ['10.0.0.0/8'] }));
  });

  it('finds a key by its current or its rotated-out secret', async () => {
    const tenant = await insertTenant(db.dataSource);
    const [current, previous] = [fakeHash(), fakeHash()];
    const created = await db.unitOfWork.run((tx) => apiKeys.create(tx, tenant, newKey({ keyHash: previous })));
    await db.unitOfWork.run((tx) => apiKeys.update(tx, tenant, created.id, { key_hash: current, previous_key_hash: previous, previous_key_expires_at: future }));
    expect((await apiKeys.findByAnyHash(current))?.id).toBe(created.id);
    expect((await apiKeys.findByAnyHash(previous))?.id).toBe(created.id);
    expect(await apiKeys.findByAnyHash(fakeHash())).toBeNull();
  });

  it('refuses a secret hash that another key, of any tenant, already has', async () => {
    const [a, b] = [await insertTenant(db.dataSource), await insertTenant(db.dataSource)];
    const keyHash = fakeHash();
    await db.unitOfWork.run((tx) => apiKeys.create(tx, a, newKey({ keyHash })));
    expect(isUniqueViolation(await rejection(db.unitOfWork.run((tx) => apiKeys.create(tx, b, newKey({ keyHash })))))).toBe(true);
  });

  it('pages a list newest first by default and orders it by an allowed column', async () => {
    const tenant = await insertTenant(db.dataSource);
    const created: string[] = [];
    for (const name of ['b', 'd', 'a', 'c']) {
      created.push(await insertApiKey(db.dataSource, tenant, { name }));
      // Distinct creation times: timestamps are kept to the millisecond.
      await db.dataSource.query(`UPDATE api_keys SET created_at = now() - make_interval(secs => $2) WHERE id = $1`, [created.at(-1), 10 - created.length]);
    }
    const newest = await apiKeys.list([tenant], {}, { limit: 2, offset: 0 });
    expect(newest).toEqual({ rows: [expect.objectContaining({ name: 'c' }), expect.objectContaining({ name: 'a' })], count: 4 });
    const byName = await apiKeys.list([tenant], {}, { limit: 2, offset: 2, ordering: 'name' });
    expect(byName.rows.map((row) => row.name)).toEqual(['c', 'd']);
  });

  it('pages every key of every tenant by id, for the projection rebuild', async () => {
    const { ofA, ofB } = await twoTenants();
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Array<{ id: string }> = await apiKeys.pageAll(after, 3);
      if (page.length === 0) break;
      seen.push(...page.map((row) => row.id));
      after = page[page.length - 1].id;
    }
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining([...Object.values(ofA), ...Object.values(ofB)]));
  });

  describe('creatorsAboveRole', () => {
    const allowed = { owner: ['inference', 'read', 'write'], admin: ['inference', 'read', 'write'], member: ['inference', 'read'], viewer: [] };

    it('finds the owners of active keys above their role, once each, and no one else', async () => {
      const { dataSource } = db;
      const [a, b] = [await insertTenant(dataSource), await insertTenant(dataSource)];
      const user = async (role: string | null, tenant = a) => {
        const id = await insertUser(dataSource);
        if (role) await insertMembership(dataSource, tenant, id, role);
        return id;
      };
      const key = async (tenant: string, createdBy: string | null, scopes: string[], status: 'active' | 'revoked' = 'active') => {
        const row = await db.unitOfWork.run((tx) => apiKeys.create(tx, tenant, newKey({ createdBy, scopes })));
        if (status === 'revoked') await dataSource.query(`UPDATE api_keys SET status = 'revoked' WHERE id = $1`, [row.id]);
      };

      const writingMember = await user('member');
      await key(a, writingMember, ['read', 'write']);
      await key(a, writingMember, ['write']);
      const leaver = await user(null);
      await key(a, leaver, ['inference']);
      const viewer = await user('viewer');
      await key(a, viewer, ['read']);
      const elsewhere = await user('admin', b);
      await key(a, elsewhere, ['read']);
      const deactivated = await user('owner');
      await dataSource.query('UPDATE users SET is_active = false WHERE id = $1', [deactivated]);
      await key(a, deactivated, ['inference']);

      const fine = await user('member');
      await key(a, fine, ['inference', 'read']);
      const admin = await user('admin');
      await key(a, admin, ['write']);
      const platformAdmin = await user(null);
      await dataSource.query('UPDATE users SET is_platform_admin = true WHERE id = $1', [platformAdmin]);
      await key(a, platformAdmin, ['write']);
      const alreadyRevoked = await user('member');
      await key(a, alreadyRevoked, ['write'], 'revoked');
      await key(a, null, ['write']);

      const found = await apiKeys.creatorsAboveRole(allowed);
      expect(found.filter((id) => id === writingMember)).toHaveLength(1);
      for (const id of [leaver, viewer, elsewhere, deactivated]) expect(found).toContain(id);
      for (const id of [fine, admin, platformAdmin, alreadyRevoked]) expect(found).not.toContain(id);
    });
  });
});
