import { Test } from '@nestjs/testing';
import type { TenantRow, UserRow } from '@sluice/control-plane/data-access';
import { fakeSeams, FakeDatabase, keyPrincipal, userPrincipal } from '../testing/fakes';
import { TenantAccess } from './tenant-access';

describe('TenantAccess', () => {
  let db: FakeDatabase;
  let access: TenantAccess;
  let acme: TenantRow;
  let globex: TenantRow;
  let platformAdmin: UserRow;
  let member: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [TenantAccess, ...fakeSeams(db)] }).compile();
    access = moduleRef.get(TenantAccess);
    acme = db.tenant({ slug: 'acme', domain: 'acme.test' });
    globex = db.tenant({ slug: 'globex' });
    platformAdmin = db.user({ is_platform_admin: true });
    member = db.member(acme, 'member').user;
  });

  const as = (user: UserRow) => userPrincipal(user);

  describe('authorize', () => {
    it("answers 404 for a tenant the caller has no role in, and 403 for a role too weak", async () => {
      await expect(access.authorize(as(member), 'globex', 'viewer')).rejects.toMatchObject({ code: 'not_found' });
      await expect(access.authorize(as(member), 'nowhere', 'viewer')).rejects.toMatchObject({ code: 'not_found' });
      await expect(access.authorize(as(member), 'acme', 'admin')).rejects.toMatchObject({ code: 'forbidden' });
      await expect(access.authorize(as(member), 'acme.test', 'member')).resolves.toMatchObject({ role: 'member', tenant: { id: acme.id } });
    });

    it('hides a deleted tenant from its members, never from platform admins, who act as owners', async () => {
      db.tables.tenants.set(acme.id, { ...acme, status: 'deleted' });
      await expect(access.authorize(as(member), 'acme', 'viewer')).rejects.toMatchObject({ code: 'not_found' });
      await expect(access.authorize(as(platformAdmin), 'acme', 'owner')).resolves.toMatchObject({ role: 'owner' });
    });

    it("keeps an API key to its own tenant and to its role there", async () => {
      const key = db.key(acme);
      await expect(access.authorize(keyPrincipal(key, 'admin'), 'globex', 'viewer')).rejects.toMatchObject({ code: 'not_found' });
      await expect(access.authorize(keyPrincipal(key, 'viewer'), 'acme', 'admin')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('write scope') });
      await expect(access.authorize(keyPrincipal(key, 'admin'), 'acme', 'admin')).resolves.toMatchObject({ role: 'admin' });
    });
  });

  it('names the resource, never its tenant, in a 404', async () => {
    await expect(access.checkResource(as(member), globex.id, 'viewer', 'Team')).rejects.toMatchObject({ code: 'not_found', message: 'Team not found' });
    await expect(access.checkResource(as(member), null, 'viewer', 'Team')).rejects.toMatchObject({ message: 'Team not found' });
    await expect(access.checkResource(as(member), acme.id, 'admin', 'Team')).rejects.toMatchObject({ code: 'forbidden' });
  });

  describe('resolve', () => {
    it("takes the tenant from the request, else the X-Tenant header (or its alias), else the caller's only tenant", async () => {
      db.member(globex, 'viewer', member);
      await expect(access.resolve(as(member), 'globex', { 'x-tenant': 'acme' }, 'viewer')).resolves.toMatchObject({ tenant: { id: globex.id } });
      await expect(access.resolve(as(member), undefined, { 'x-tenant': 'acme' }, 'viewer')).resolves.toMatchObject({ tenant: { id: acme.id } });
      await expect(access.resolve(as(member), undefined, { 'x-tenant-domain': 'acme.test' }, 'viewer')).resolves.toMatchObject({ tenant: { id: acme.id } });

      const loner = db.member(globex, 'admin').user;
      await expect(access.resolve(as(loner), undefined, {}, 'admin')).resolves.toMatchObject({ tenant: { id: globex.id } });
      await expect(access.resolve(keyPrincipal(db.key(acme), 'viewer'), undefined, {}, 'viewer')).resolves.toMatchObject({ tenant: { id: acme.id } });
    });

    it('asks for a tenant (400) when the caller has several or is a platform admin', async () => {
      db.member(globex, 'viewer', member);
      await expect(access.resolve(as(member), undefined, { 'x-tenant': '  ' }, 'viewer')).rejects.toMatchObject({ code: 'tenant_required', param: 'tenant' });
      await expect(access.resolve(as(platformAdmin), undefined, {}, 'viewer')).rejects.toMatchObject({ code: 'tenant_required' });
    });
  });

  it('lists from the tenants the caller may see: all for platform admins, its own for a key, its memberships for a user', async () => {
    expect(await access.visibleTenantIds(as(platformAdmin), undefined, {})).toBeNull();
    expect(await access.visibleTenantIds(keyPrincipal(db.key(globex), 'viewer'), undefined, {})).toEqual([globex.id]);
    expect(await access.visibleTenantIds(as(member), undefined, {})).toEqual([acme.id]);
    await expect(access.visibleTenantIds(as(member), 'globex', {})).rejects.toMatchObject({ code: 'not_found' });
  });

  it('finds the tenants where the caller has at least a role', async () => {
    db.member(globex, 'admin', member);
    expect(await access.tenantsWhereRole(as(member), 'admin')).toEqual([globex.id]);
    expect(await access.tenantsWhereRole(keyPrincipal(db.key(acme), 'viewer'), 'admin')).toEqual([]);
  });
});
