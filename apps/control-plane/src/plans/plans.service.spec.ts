import { Test } from '@nestjs/testing';
import type { TenantRow, UserRow } from '@sluice/control-plane/data-access';
import { Projector } from '../projection/projector';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, FakeProjector, userPrincipal } from '../testing/fakes';
import { PlansService } from './plans.service';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';

describe('PlansService', () => {
  let db: FakeDatabase;
  let projector: FakeProjector;
  let service: PlansService;
  let tenant: TenantRow;
  let platformAdmin: UserRow;
  let owner: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [PlansService, TenantAccess, TenantQuotaSource, ...fakeSeams(db)] }).compile();
    service = moduleRef.get(PlansService);
    projector = moduleRef.get<Projector, FakeProjector>(Projector);
    db.plan({ id: 'basic', limits: { max_users: 5 } });
    db.plan({ id: 'free' });
    db.plan({ id: 'pro', limits: { rpm: 100, tpm: 10_000, max_users: 50 }, entitlements: { sso: true, seats: 10, audit_export: false, priority: 0 } });
    tenant = db.tenant({ slug: 'acme', subscription_tier: 'basic' });
    platformAdmin = db.user({ is_platform_admin: true });
    owner = db.member(tenant, 'owner').user;
  });

  const as = (user: UserRow) => userPrincipal(user);

  it('leaves every change of a plan to platform admins', async () => {
    await expect(service.create(as(owner), { id: 'team', name: 'Team' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.update(as(owner), 'pro', { name: 'Pro+' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.remove(as(owner), 'pro')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.assign(as(owner), 'acme', 'pro')).rejects.toMatchObject({ code: 'forbidden' });
    expect(db.audit).toHaveLength(0);
  });

  describe('create', () => {
    it('fills the defaults (postpaid, free, 30-day period) and keeps only the limits given', async () => {
      const plan = await service.create(as(platformAdmin), { id: 'team', name: 'Team', limits: { rpm: 10 } });
      expect(plan).toMatchObject({ billing_mode: 'postpaid', price_monthly_cents: 0, period_days: 30, allowed_models: null, entitlements: {} });
      expect(db.tables.plans.get('team')?.limits).toEqual({ rpm: 10 });
      expect(db.auditTypes()).toEqual(['plan.created']);
    });

    it('refuses an id in use (409)', async () => {
      await expect(service.create(as(platformAdmin), { id: 'pro', name: 'Again' })).rejects.toMatchObject({ code: 'conflict', param: 'id' });
    });
  });

  describe('update', () => {
    it("merges limits field by field, null clearing one, and reconciles every tenant's projection", async () => {
      const updated = await service.update(as(platformAdmin), 'pro', { limits: { tpm: null, rpd: 5 } });
      expect(db.tables.plans.get('pro')?.limits).toEqual({ rpm: 100, tpm: null, max_users: 50, rpd: 5 });
      expect(updated.limits).toMatchObject({ rpm: 100, tpm: null, rpd: 5 });
      expect(db.reconciles).toBe(1);
    });

    it('keeps a committed change when the projection cannot be reconciled', async () => {
      projector.failReconcile = true;
      await expect(service.update(as(platformAdmin), 'pro', { name: 'Pro+' })).resolves.toMatchObject({ name: 'Pro+' });
    });

    it('answers 404 for a plan that does not exist', async () => {
      await expect(service.update(as(platformAdmin), 'nope', { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('remove', () => {
    it.each(['basic', 'free'])('never deletes %s, a plan new tenants get', async (id) => {
      db.tables.tenants.clear();
      await expect(service.remove(as(platformAdmin), id)).rejects.toMatchObject({ code: 'conflict' });
      expect(db.tables.plans.has(id)).toBe(true);
    });

    it('refuses a plan still assigned, counting deleted tenants too', async () => {
      db.tenant({ subscription_tier: 'pro', status: 'deleted' });
      await expect(service.remove(as(platformAdmin), 'pro')).rejects.toMatchObject({ code: 'conflict', details: { tenants: 1 } });
      expect(db.tables.plans.has('pro')).toBe(true);
      expect(db.audit).toHaveLength(0);
    });

    it('deletes an unused plan, audited', async () => {
      await service.remove(as(platformAdmin), 'pro');
      expect(db.tables.plans.has('pro')).toBe(false);
      expect(db.auditTypes()).toEqual(['plan.deleted']);
      await expect(service.remove(as(platformAdmin), 'pro')).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('assign', () => {
    it("moves the tenant to the plan, whose limits its quota shows at once; the gateway learns after the commit", async () => {
      const view = await service.assign(as(platformAdmin), 'acme', 'pro');
      expect(view).toMatchObject({ subscription_tier: 'pro', quota: { max_users: 50 } });
      expect(db.audit).toEqual([expect.objectContaining({ eventType: 'tenant.plan_changed', old: { subscription_tier: 'basic' }, new: { subscription_tier: 'pro' } })]);
      expect(db.projected).toEqual([{ kind: 'tenant', id: tenant.id }]);
    });

    it('refuses a plan that does not exist (400)', async () => {
      await expect(service.assign(as(platformAdmin), 'acme', 'nope')).rejects.toMatchObject({ code: 'validation_error' });
      expect(db.tables.tenants.get(tenant.id)?.subscription_tier).toBe('basic');
    });
  });

  describe('entitlements', () => {
    beforeEach(() => db.tables.tenants.set(tenant.id, { ...tenant, subscription_tier: 'pro' }));

    it.each([
      ['sso', true, true],
      ['seats', true, 10],
      ['audit_export', false, false],
      ['priority', false, 0],
      ['unknown', false, null],
    ])('%s: entitled %s (value %s)', async (feature, entitled, value) => {
      expect(await service.entitlements(as(owner), 'acme', feature)).toEqual({ tenant: 'acme', plan: 'pro', feature, entitled, value });
    });

    it("are the tenant's business: 404 outside it", async () => {
      const outsider = db.member(db.tenant(), 'owner').user;
      await expect(service.entitlements(as(outsider), 'acme')).rejects.toMatchObject({ code: 'not_found' });
    });
  });
});
