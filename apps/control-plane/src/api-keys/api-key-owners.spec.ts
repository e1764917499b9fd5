import { Test } from '@nestjs/testing';
import { UnitOfWork, type MembershipRow, type TenantRow, type UserRow } from '@sluice/control-plane/data-access';
import { fakeSeams, FakeDatabase } from '../testing/fakes';
import { ApiKeyOwners } from './api-key-owners';

describe('ApiKeyOwners: a key never acts above its owner', () => {
  let db: FakeDatabase;
  let owners: ApiKeyOwners;
  let unitOfWork: UnitOfWork;
  let tenant: TenantRow;
  let user: UserRow;
  let membership: MembershipRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [ApiKeyOwners, ...fakeSeams(db)] }).compile();
    owners = moduleRef.get(ApiKeyOwners);
    unitOfWork = moduleRef.get(UnitOfWork);
    tenant = db.tenant();
    ({ user, membership } = db.member(tenant, 'admin'));
  });

  const setRole = (role: MembershipRow['role']) => db.tables.memberships.set(membership.id, { ...membership, role });
  const enforce = (tenantId: string | null) => unitOfWork.run((tx) => owners.enforce(tx, user.id, tenantId));

  describe('ownerRole', () => {
    it("is the owner's current role in the key's tenant", async () => {
      const key = db.key(tenant, { created_by: user.id });
      expect(await owners.ownerRole(key)).toBe('admin');
      setRole('viewer');
      expect(await owners.ownerRole(key)).toBe('viewer');
    });

    it('is owner for a service key and for a platform admin, and null for an owner gone or inactive', async () => {
      expect(await owners.ownerRole(db.key(tenant))).toBe('owner');
      const platformAdmin = db.user({ is_platform_admin: true });
      expect(await owners.ownerRole(db.key(tenant, { created_by: platformAdmin.id }))).toBe('owner');

      const key = db.key(tenant, { created_by: user.id });
      db.tables.users.set(user.id, { ...user, is_active: false });
      expect(await owners.ownerRole(key)).toBeNull();
      db.tables.users.set(user.id, user);
      db.tables.memberships.delete(membership.id);
      expect(await owners.ownerRole(key)).toBeNull();
    });
  });

  describe('enforce', () => {
    it("narrows a demoted owner's keys to the new role, keeping what it allows, and audits why", async () => {
      const writeKey = db.key(tenant, { created_by: user.id, scopes: ['write'], previous_key_hash: 'in-grace' });
      const readKey = db.key(tenant, { created_by: user.id, scopes: ['read'] });
      setRole('member');

      await enforce(tenant.id);

      expect(db.apiKey(writeKey.id)).toMatchObject({ status: 'active', scopes: ['inference', 'read'] });
      expect(db.apiKey(readKey.id).scopes).toEqual(['read']);
      expect(db.audit).toEqual([expect.objectContaining({ eventType: 'api_key.updated', resourceId: writeKey.id, new: expect.objectContaining({ reason: 'owner_role_changed' }) })]);
      expect(db.tables.outbox).toEqual([
        { kind: 'api_key', id: writeKey.key_hash },
        { kind: 'api_key', id: 'in-grace' },
      ]);
    });

    it('revokes the keys of an owner who left, or whose role allows none of their scopes', async () => {
      const key = db.key(tenant, { created_by: user.id, scopes: ['write'] });
      setRole('viewer');
      await enforce(tenant.id);
      expect(db.apiKey(key.id)).toMatchObject({ status: 'revoked', revoked_at: expect.any(Date) });

      const other = db.key(tenant, { created_by: user.id, scopes: ['inference'] });
      db.tables.memberships.delete(membership.id);
      await enforce(tenant.id);
      expect(db.apiKey(other.id).status).toBe('revoked');
      expect(db.audit.map((record) => (record.new as { reason: string }).reason)).toEqual(['owner_role_changed', 'owner_left']);
    });

    it("touches only the named tenant's keys, or every tenant's when none is named", async () => {
      const elsewhere = db.tenant();
      db.member(elsewhere, 'member', user);
      const here = db.key(tenant, { created_by: user.id, scopes: ['inference'] });
      const there = db.key(elsewhere, { created_by: user.id, scopes: ['inference'] });
      db.tables.users.set(user.id, { ...user, is_active: false });

      await enforce(tenant.id);
      expect(db.apiKey(here.id).status).toBe('revoked');
      expect(db.apiKey(there.id).status).toBe('active');

      await enforce(null);
      expect(db.apiKey(there.id).status).toBe('revoked');
    });

    it('leaves service keys and keys within the role alone', async () => {
      const serviceKey = db.key(tenant, { scopes: ['write'] });
      const key = db.key(tenant, { created_by: user.id, scopes: ['write'] });
      await enforce(tenant.id);
      expect(db.apiKey(serviceKey.id).scopes).toEqual(['write']);
      expect(db.apiKey(key.id).scopes).toEqual(['write']);
      expect(db.audit).toHaveLength(0);
    });
  });
});
