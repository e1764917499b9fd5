import { Test } from '@nestjs/testing';
import type { MembershipRow, TenantRow, UserRow } from '@sluice/control-plane/data-access';
import { randomUUID } from 'node:crypto';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { Passwords } from '../auth/passwords';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, userPrincipal } from '../testing/fakes';
import { UsersService } from '../users/users.service';
import { InvitationsService } from './invitations.service';
import { MembershipsService } from './memberships.service';

const NO_HEADERS = {};
const PASSWORD = 'correct horse battery staple 42';

describe('MembershipsService', () => {
  let db: FakeDatabase;
  let service: MembershipsService;
  let tenant: TenantRow;
  let platformAdmin: UserRow;
  let owner: { user: UserRow; membership: MembershipRow };
  let admin: { user: UserRow; membership: MembershipRow };
  let member: { user: UserRow; membership: MembershipRow };

  let invited: string[];

  beforeEach(async () => {
    invited = [];
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [
        MembershipsService,
        UsersService,
        Passwords,
        TenantAccess,
        TenantQuotaSource,
        ApiKeyOwners,
        ...fakeSeams(db),
        { provide: InvitationsService, useValue: { invite: async (_principal: unknown, _tenant: unknown, email: string) => (invited.push(email), { email, status: 'pending' }) } },
      ],
    }).compile();
    service = moduleRef.get(MembershipsService);
    db.plan({ id: 'basic', limits: { max_users: 4 } });
    tenant = db.tenant({ slug: 'acme' });
    platformAdmin = db.user({ is_platform_admin: true });
    owner = db.member(tenant, 'owner');
    admin = db.member(tenant, 'admin');
    member = db.member(tenant, 'member');
  });

  const as = (user: UserRow) => userPrincipal(user);
  const roleOf = (membership: MembershipRow) => db.tables.memberships.get(membership.id)?.role;

  describe('create', () => {
    it('needs a tenant admin', async () => {
      const someone = db.user();
      await expect(service.create(as(member.user), { tenant: 'acme', email: 'new@example.test', password: PASSWORD, role: 'viewer' }, NO_HEADERS)).rejects.toMatchObject({
        code: 'forbidden',
      });
      await expect(service.create(as(platformAdmin), { tenant: 'acme', user: someone.id, role: 'viewer' }, NO_HEADERS)).resolves.toMatchObject({ membership: { user: someone.id } });
    });

    it('lets only owners grant the owner role', async () => {
      await expect(service.create(as(admin.user), { tenant: 'acme', email: 'boss@example.test', password: PASSWORD, role: 'owner' }, NO_HEADERS)).rejects.toMatchObject({
        code: 'forbidden',
      });
      await expect(service.create(as(owner.user), { tenant: 'acme', email: 'boss@example.test', password: PASSWORD, role: 'owner' }, NO_HEADERS)).resolves.toMatchObject({
        membership: { role: 'owner' },
      });
    });

    it('creates a new account from an email and a password, stored as a hash', async () => {
      const created = await service.create(as(admin.user), { tenant: 'acme', email: 'new@example.test', password: PASSWORD, first_name: 'Ada', role: 'member' }, NO_HEADERS);
      const user = 'membership' in created ? db.tables.users.get(created.membership.user) : undefined;
      expect(user).toMatchObject({ email: 'new@example.test', first_name: 'Ada' });
      expect(user?.password_hash).toMatch(/^\$argon2id\$/);
      expect(db.auditTypes()).toEqual(['user.created', 'tenant_user.created']);
    });

    it("stops at the tenant's max_users (plan, else override) and writes nothing then", async () => {
      db.member(tenant, 'viewer');
      const newcomer = db.user();
      await expect(service.create(as(platformAdmin), { tenant: 'acme', user: newcomer.id, role: 'viewer' }, NO_HEADERS)).rejects.toMatchObject({
        code: 'user_limit_reached',
        details: { max_users: 4 },
      });
      expect(await service.list(as(owner.user), { page: 1, page_size: 50, tenant: 'acme' }, NO_HEADERS)).toMatchObject({ count: 4 });

      db.tables.tenants.set(tenant.id, { ...tenant, quota_overrides: { max_users: 5 } });
      await expect(service.create(as(platformAdmin), { tenant: 'acme', user: newcomer.id, role: 'viewer' }, NO_HEADERS)).resolves.toMatchObject({ membership: { role: 'viewer' } });
    });

    it('lets platform admins attach an existing account by id or email', async () => {
      const byId = db.user();
      const byEmail = db.user({ email: 'known@example.test' });
      await expect(service.create(as(platformAdmin), { tenant: 'acme', user: byId.id, role: 'viewer' }, NO_HEADERS)).resolves.toMatchObject({ membership: { user: byId.id } });
      db.tables.tenants.set(tenant.id, { ...tenant, quota_overrides: { max_users: 10 } });
      await expect(service.create(as(platformAdmin), { tenant: 'acme', email: 'known@example.test', role: 'viewer' }, NO_HEADERS)).resolves.toMatchObject({ membership: { user: byEmail.id } });
      await expect(service.create(as(platformAdmin), { tenant: 'acme', user: randomUUID(), role: 'viewer' }, NO_HEADERS)).rejects.toMatchObject({
        code: 'validation_error',
        param: 'user',
      });
    });

    it('invites an existing account and an unknown address without a password alike, attaching nobody', async () => {
      db.user({ email: 'known@example.test' });
      const existing = await service.create(as(admin.user), { tenant: 'acme', email: 'known@example.test', password: PASSWORD, role: 'viewer' }, NO_HEADERS);
      const existingNoPassword = await service.create(as(admin.user), { tenant: 'acme', email: 'known@example.test', role: 'viewer' }, NO_HEADERS);
      const unknown = await service.create(as(admin.user), { tenant: 'acme', email: 'unknown@example.test', role: 'viewer' }, NO_HEADERS);
      expect(invited).toEqual(['known@example.test', 'known@example.test', 'unknown@example.test']);
      for (const outcome of [existing, existingNoPassword, unknown]) expect(outcome).toEqual({ invitation: expect.objectContaining({ status: 'pending' }) });
      expect(db.auditTypes()).toEqual([]);
      await expect(service.create(as(admin.user), { tenant: 'acme', user: owner.user.id, role: 'viewer' }, NO_HEADERS)).rejects.toMatchObject({
        code: 'validation_error',
        param: 'user',
      });
    });

    it('refuses a second membership of the same user (409)', async () => {
      await expect(service.create(as(platformAdmin), { tenant: 'acme', user: member.user.id, role: 'viewer' }, NO_HEADERS)).rejects.toMatchObject({
        code: 'conflict',
        param: 'user',
      });
    });
  });

  describe('update', () => {
    it('changes nothing when the role stays', async () => {
      await expect(service.update(as(admin.user), member.membership.id, { role: 'member' })).resolves.toMatchObject({ role: 'member' });
      expect(db.audit).toHaveLength(0);
    });

    it("keeps owners out of an admin's reach, both as target and as new role", async () => {
      await expect(service.update(as(admin.user), owner.membership.id, { role: 'admin' })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.update(as(admin.user), member.membership.id, { role: 'owner' })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.update(as(member.user), member.membership.id, { role: 'viewer' })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.update(as(owner.user), member.membership.id, { role: 'owner' })).resolves.toMatchObject({ role: 'owner' });
    });

    it('never demotes the last owner', async () => {
      await expect(service.update(as(owner.user), owner.membership.id, { role: 'admin' })).rejects.toMatchObject({ code: 'conflict' });
      expect(roleOf(owner.membership)).toBe('owner');

      const second = db.member(tenant, 'owner');
      await expect(service.update(as(second.user), owner.membership.id, { role: 'admin' })).resolves.toMatchObject({ role: 'admin' });
    });

    it("narrows the member's keys to the new role in the same change", async () => {
      const key = db.key(tenant, { created_by: admin.user.id, scopes: ['write'] });
      await service.update(as(owner.user), admin.membership.id, { role: 'member' });
      expect(db.apiKey(key.id).scopes).toEqual(['inference', 'read']);
      expect(db.auditTypes()).toEqual(['tenant_user.updated', 'api_key.updated']);
      expect(db.projected).toEqual([{ kind: 'api_key', id: key.key_hash }]);
    });
  });

  describe('remove', () => {
    it('lets anyone leave, and admins remove those they may manage', async () => {
      const viewer = db.member(tenant, 'viewer');
      await expect(service.remove(as(member.user), viewer.membership.id)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.remove(as(admin.user), owner.membership.id)).rejects.toMatchObject({ code: 'forbidden' });
      await service.remove(as(viewer.user), viewer.membership.id);
      await service.remove(as(admin.user), member.membership.id);
      expect(db.tables.memberships.has(viewer.membership.id)).toBe(false);
      expect(db.tables.memberships.has(member.membership.id)).toBe(false);
    });

    it('never lets the last owner leave', async () => {
      await expect(service.remove(as(owner.user), owner.membership.id)).rejects.toMatchObject({ code: 'conflict' });
      expect(roleOf(owner.membership)).toBe('owner');
    });

    it("revokes the removed member's keys in that tenant only", async () => {
      const elsewhere = db.tenant();
      db.member(elsewhere, 'member', member.user);
      const here = db.key(tenant, { created_by: member.user.id });
      const there = db.key(elsewhere, { created_by: member.user.id });
      await service.remove(as(admin.user), member.membership.id);
      expect(db.apiKey(here.id).status).toBe('revoked');
      expect(db.apiKey(there.id).status).toBe('active');
    });
  });

  it("answers 404 for another tenant's membership", async () => {
    const outsider = db.member(db.tenant(), 'owner').user;
    await expect(service.get(as(outsider), member.membership.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.update(as(outsider), member.membership.id, { role: 'viewer' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.remove(as(outsider), member.membership.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
