import { Test } from '@nestjs/testing';
import type { TenantRow, UserRow } from '@sluice/control-plane/data-access';
import { randomUUID } from 'node:crypto';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { Passwords } from '../auth/passwords';
import { Sessions } from '../auth/sessions';
import { fakeSeams, FakeDatabase, FakeSessions, userPrincipal } from '../testing/fakes';
import { UsersService } from './users.service';

const PASSWORD = 'correct horse battery staple 42';

describe('UsersService', () => {
  let db: FakeDatabase;
  let sessions: FakeSessions;
  let service: UsersService;
  let tenant: TenantRow;
  let platformAdmin: UserRow;
  let user: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [UsersService, Passwords, ApiKeyOwners, ...fakeSeams(db)] }).compile();
    service = moduleRef.get(UsersService);
    sessions = moduleRef.get<Sessions, FakeSessions>(Sessions);
    tenant = db.tenant();
    platformAdmin = db.user({ is_platform_admin: true });
    user = db.member(tenant, 'admin', db.user({ email: 'ada@example.test' })).user;
  });

  const as = (someone: UserRow) => userPrincipal(someone);

  it('is for platform admins only', async () => {
    await expect(service.list(as(user), { page: 1, page_size: 50 })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.get(as(user), user.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.update(as(user), user.id, { first_name: 'Me' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.create(as(user), { email: 'x@example.test', password: PASSWORD })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('answers 404 for an id that is no user', async () => {
    await expect(service.get(as(platformAdmin), 'not-a-uuid')).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.get(as(platformAdmin), randomUUID())).rejects.toMatchObject({ code: 'not_found' });
  });

  describe('create', () => {
    it('stores the password as an argon2id hash, on the platform audit chain', async () => {
      const created = await service.create(as(platformAdmin), { email: 'new@example.test', password: PASSWORD });
      expect(db.tables.users.get(created.id)?.password_hash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(db.audit)).not.toContain(PASSWORD);
      expect(db.audit).toEqual([expect.objectContaining({ tenantId: null, eventType: 'user.created' })]);
    });

    it('refuses an email in use (409), writing nothing', async () => {
      await expect(service.create(as(platformAdmin), { email: 'ada@example.test', password: PASSWORD })).rejects.toMatchObject({ code: 'conflict', param: 'email' });
      expect(db.audit).toHaveLength(0);
    });
  });

  describe('update', () => {
    it('never lets platform admins deactivate themselves or drop their own role', async () => {
      await expect(service.update(as(platformAdmin), platformAdmin.id, { is_active: false })).rejects.toMatchObject({ code: 'conflict' });
      await expect(service.update(as(platformAdmin), platformAdmin.id, { is_platform_admin: false })).rejects.toMatchObject({ code: 'conflict' });
      expect(db.tables.users.get(platformAdmin.id)).toMatchObject({ is_active: true, is_platform_admin: true });
    });

    it("deactivating ends the user's sessions and revokes its keys in every tenant", async () => {
      const elsewhere = db.tenant();
      db.member(elsewhere, 'member', user);
      const here = db.key(tenant, { created_by: user.id, scopes: ['write'] });
      const there = db.key(elsewhere, { created_by: user.id });

      await service.deactivate(as(platformAdmin), user.id);

      expect(db.tables.users.get(user.id)?.is_active).toBe(false);
      expect(sessions.ended).toEqual([user.id]);
      expect(db.apiKey(here.id).status).toBe('revoked');
      expect(db.apiKey(there.id).status).toBe('revoked');
      expect(db.auditTypes()).toEqual(['user.deactivated', 'api_key.revoked', 'api_key.revoked']);
      expect(db.projected).toHaveLength(2);
    });

    it("dropping platform admin narrows the user's keys to its tenant roles", async () => {
      const former = db.user({ is_platform_admin: true });
      db.member(tenant, 'member', former);
      const inTenant = db.key(tenant, { created_by: former.id, scopes: ['write'] });
      const outside = db.key(db.tenant(), { created_by: former.id, scopes: ['write'] });

      await service.update(as(platformAdmin), former.id, { is_platform_admin: false });

      expect(db.apiKey(inTenant.id).scopes).toEqual(['inference', 'read']);
      expect(db.apiKey(outside.id).status).toBe('revoked');
      expect(sessions.ended).toEqual([former.id]);
    });

    it('a new password ends sessions and the personal tokens bound to the old one', async () => {
      await service.update(as(platformAdmin), user.id, { password: PASSWORD });
      expect(sessions.ended).toEqual([user.id]);
      expect(db.tables.revokedTokenOwners).toEqual([user.id]);
      expect(db.tables.users.get(user.id)?.password_hash).toMatch(/^\$argon2id\$/);
    });

    it('a change of name or email keeps sessions, tokens and keys', async () => {
      const key = db.key(tenant, { created_by: user.id, scopes: ['write'] });
      await service.update(as(platformAdmin), user.id, { first_name: 'Ada', email: 'ada.l@example.test' });
      expect(sessions.ended).toEqual([]);
      expect(db.tables.revokedTokenOwners).toEqual([]);
      expect(db.apiKey(key.id).scopes).toEqual(['write']);
    });

    it('refuses an email another user has (409), changing nothing', async () => {
      await expect(service.update(as(platformAdmin), platformAdmin.id, { email: 'ada@example.test' })).rejects.toMatchObject({ code: 'conflict', param: 'email' });
      expect(db.tables.users.get(platformAdmin.id)?.email).toBe(platformAdmin.email);
      expect(db.audit).toHaveLength(0);
    });
  });
});
