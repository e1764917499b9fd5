import { Test } from '@nestjs/testing';
import type { TenantRow, TenantStatus, UserRow } from '@sluice/control-plane/data-access';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, keyPrincipal, userPrincipal } from '../testing/fakes';
import { TenantsService } from './tenants.service';

describe('TenantsService', () => {
  let db: FakeDatabase;
  let service: TenantsService;
  let tenant: TenantRow;
  let platformAdmin: UserRow;
  let owner: UserRow;
  let admin: UserRow;
  let member: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [TenantsService, TenantAccess, TenantQuotaSource, ...fakeSeams(db)] }).compile();
    service = moduleRef.get(TenantsService);
    db.plan({ id: 'basic', limits: { max_users: 5, api_calls_per_period: 1000 } });
    db.plan({ id: 'pro' });
    tenant = db.tenant({ slug: 'acme', activated_at: new Date('2026-01-01T00:00:00Z') });
    platformAdmin = db.user({ is_platform_admin: true });
    owner = db.member(tenant, 'owner').user;
    admin = db.member(tenant, 'admin').user;
    member = db.member(tenant, 'member').user;
  });

  const as = (user: UserRow) => userPrincipal(user);
  const setStatus = (status: TenantStatus) => db.tables.tenants.set(tenant.id, { ...tenant, status });
  const status = () => db.tables.tenants.get(tenant.id)?.status;

  describe('list', () => {
    it("shows a user only the tenants it belongs to, an API key only its own, and deleted tenants only to platform admins", async () => {
      const other = db.tenant({ slug: 'other' });
      const deleted = db.tenant({ slug: 'gone', status: 'deleted' });
      db.member(deleted, 'owner', member);
      const page = { page: 1, page_size: 50 };

      expect((await service.list(as(member), page)).results.map((row) => row.slug)).toEqual(['acme']);
      expect((await service.list(keyPrincipal(db.key(other), 'viewer'), page)).results.map((row) => row.slug)).toEqual(['other']);
      expect(await service.list(as(member), { ...page, status: 'deleted' })).toEqual({ count: 0, results: [] });
      expect((await service.list(as(platformAdmin), { ...page, status: 'deleted' })).results.map((row) => row.slug)).toEqual(['gone']);
    });
  });

  describe('create', () => {
    it('is for platform admins; the tenant starts pending on the default plan, audited and projected', async () => {
      await expect(service.create(as(owner), { name: 'New', slug: 'new' })).rejects.toMatchObject({ code: 'forbidden' });

      const created = await service.create(as(platformAdmin), { name: 'New', slug: 'new' });
      expect(created).toMatchObject({ slug: 'new', status: 'pending', subscription_tier: 'basic', quota: { max_users: 5, api_calls_limit: 1000 } });
      expect(db.auditTypes()).toEqual(['tenant.created']);
      expect(db.projected).toEqual([{ kind: 'tenant', id: created.id }]);
    });

    it('refuses a plan that does not exist (400) and a taken slug (409), writing nothing', async () => {
      await expect(service.create(as(platformAdmin), { name: 'New', slug: 'new', subscription_tier: 'nope' })).rejects.toMatchObject({
        code: 'validation_error',
        param: 'subscription_tier',
      });
      await expect(service.create(as(platformAdmin), { name: 'Dup', slug: 'acme' })).rejects.toMatchObject({ code: 'conflict', param: 'slug' });
      expect(db.tables.tenants.size).toBe(1);
      expect(db.audit).toHaveLength(0);
    });
  });

  describe('update', () => {
    it('needs a tenant admin', async () => {
      await expect(service.update(as(member), 'acme', { name: 'Renamed' })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.update(as(admin), 'acme', { name: 'Renamed' })).resolves.toMatchObject({ name: 'Renamed' });
    });

    it('leaves the plan and quota to platform admins', async () => {
      await expect(service.update(as(owner), 'acme', { subscription_tier: 'pro' })).rejects.toMatchObject({ code: 'forbidden', param: 'subscription_tier' });
      await expect(service.update(as(owner), 'acme', { quota: { max_users: 100 } })).rejects.toMatchObject({ code: 'forbidden', param: 'quota' });
      await expect(service.update(as(platformAdmin), 'acme', { subscription_tier: 'missing' })).rejects.toMatchObject({ code: 'validation_error' });
      await expect(service.update(as(platformAdmin), 'acme', { subscription_tier: 'pro' })).resolves.toMatchObject({ subscription_tier: 'pro' });
    });

    it('merges quota overrides field by field, null removing one', async () => {
      db.tables.tenants.set(tenant.id, { ...tenant, quota_overrides: { max_users: 10, api_calls_limit: 500 } });
      const updated = await service.update(as(platformAdmin), 'acme', { quota: { max_users: null, ai_tokens_limit: 7 } });
      expect(db.tables.tenants.get(tenant.id)?.quota_overrides).toEqual({ api_calls_limit: 500, ai_tokens_limit: 7 });
      expect(updated.quota).toMatchObject({ max_users: 5, api_calls_limit: 500, ai_tokens_limit: 7 });
    });

    it('lets only a platform admin set rate limits, merged with the quota overrides, null returning one to the plan', async () => {
      await expect(service.update(as(owner), 'acme', { limits: { rpm: 1 } })).rejects.toMatchObject({ code: 'forbidden', param: 'limits' });
      db.tables.tenants.set(tenant.id, { ...tenant, quota_overrides: { max_users: 10, rpm: 30 } });
      const updated = await service.update(as(platformAdmin), 'acme', { limits: { rpm: null, tph: 5_000, max_concurrency: 0 } });
      expect(db.tables.tenants.get(tenant.id)?.quota_overrides).toEqual({ max_users: 10, tph: 5_000, max_concurrency: 0 });
      expect(updated.limits).toEqual({ rpm: null, rph: null, rpd: null, tpm: null, tph: 5_000, tpd: null, max_concurrency: 0 });
      expect(db.projected).toContainEqual({ kind: 'tenant', id: tenant.id });
    });
  });

  describe('lifecycle', () => {
    it.each([
      ['activate', ['pending'], 'active'],
      ['suspend', ['active'], 'suspended'],
      ['restore', ['suspended', 'deleted'], 'active'],
    ] as const)('%s moves only from %j, else 409', async (action, from, to) => {
      for (const start of ['pending', 'active', 'suspended', 'deleted'] as const) {
        setStatus(start);
        const attempt = service.transition(as(platformAdmin), 'acme', action, 'billing');
        if ((from as readonly string[]).includes(start)) {
          await expect(attempt).resolves.toMatchObject({ status: to });
        } else {
          await expect(attempt).rejects.toMatchObject({ code: 'conflict', details: { status: start } });
          expect(status()).toBe(start);
        }
      }
    });

    it('is for platform admins only', async () => {
      await expect(service.transition(as(owner), 'acme', 'suspend')).rejects.toMatchObject({ code: 'forbidden' });
      expect(status()).toBe('active');
    });

    it('records the suspension reason, keeps the first activation time on restore, and projects each change after its commit', async () => {
      const activatedAt = tenant.activated_at;
      await service.transition(as(platformAdmin), 'acme', 'suspend', 'unpaid');
      expect(db.tables.tenants.get(tenant.id)).toMatchObject({ status: 'suspended', suspension_reason: 'unpaid', suspended_at: expect.any(Date) });
      await service.transition(as(platformAdmin), 'acme', 'restore');
      expect(db.tables.tenants.get(tenant.id)).toMatchObject({ status: 'active', suspension_reason: '', suspended_at: null, activated_at: activatedAt });
      expect(db.auditTypes()).toEqual(['tenant.suspended', 'tenant.restored']);
      expect(db.projected).toEqual([
        { kind: 'tenant', id: tenant.id },
        { kind: 'tenant', id: tenant.id },
      ]);
    });
  });

  describe('remove', () => {
    it('is a soft delete by an owner', async () => {
      await expect(service.remove(as(admin), 'acme')).rejects.toMatchObject({ code: 'forbidden' });
      await service.remove(as(owner), 'acme');
      expect(db.tables.tenants.get(tenant.id)).toMatchObject({ status: 'deleted', deleted_at: expect.any(Date) });
    });

    it('hides a deleted tenant from its members and refuses to delete it twice', async () => {
      setStatus('deleted');
      await expect(service.get(as(owner), 'acme')).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.remove(as(platformAdmin), 'acme')).rejects.toMatchObject({ code: 'conflict' });
    });
  });

  it("answers 404 for a tenant the caller does not belong to", async () => {
    const outsider = db.member(db.tenant(), 'owner').user;
    await expect(service.get(as(outsider), 'acme')).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.update(as(outsider), 'acme', { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('resets the quota period for platform admins only', async () => {
    await expect(service.resetQuota(as(owner), 'acme')).rejects.toMatchObject({ code: 'forbidden' });
    const before = tenant.last_reset_at.getTime();
    await new Promise((resolve) => setTimeout(resolve, 2));
    await service.resetQuota(as(platformAdmin), 'acme');
    expect(db.tables.tenants.get(tenant.id)?.last_reset_at.getTime()).toBeGreaterThan(before);
  });
});
