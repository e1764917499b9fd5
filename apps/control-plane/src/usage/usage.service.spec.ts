import { Test } from '@nestjs/testing';
import type { ApiKeyRow, TenantRow, UserRow } from '@sluice/control-plane/data-access';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, keyPrincipal, userPrincipal, type DailyUsage } from '../testing/fakes';
import { UsageService } from './usage.service';

describe('UsageService', () => {
  let db: FakeDatabase;
  let service: UsageService;
  let tenant: TenantRow;
  let viewer: UserRow;
  let key: ApiKeyRow;
  let otherKey: ApiKeyRow;

  const usage = (fields: Partial<DailyUsage>): void => {
    db.dailyUsage.push({
      tenantId: tenant.id,
      apiKeyId: key.id,
      day: '2026-03-10',
      model: 'gpt-4o',
      environment: 'live',
      requests: 1,
      promptTokens: 10,
      completionTokens: 5,
      costMicros: 1_000,
      ...fields,
    });
  };

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [UsageService, TenantAccess, ...fakeSeams(db)] }).compile();
    service = moduleRef.get(UsageService);
    tenant = db.tenant({ slug: 'acme' });
    viewer = db.member(tenant, 'viewer').user;
    key = db.key(tenant);
    otherKey = db.key(tenant);
    usage({ day: '2026-03-09', requests: 2 });
    usage({ day: '2026-03-10', model: 'claude', costMicros: 2_500_000 });
    usage({ day: '2026-03-10', apiKeyId: otherKey.id, requests: 4 });
    usage({ day: '2026-02-01', requests: 100 });
  });

  const range = { from: '2026-03-01', to: '2026-03-31' };

  describe('of a tenant', () => {
    it('lets a viewer read the days in range, grouped by day unless told otherwise, with totals', async () => {
      const report = await service.ofTenant(userPrincipal(viewer), 'acme', range);
      expect(report).toMatchObject({ tenant: 'acme', from: '2026-03-01', to: '2026-03-31', group_by: 'day' });
      expect(report.results).toEqual([expect.objectContaining({ day: '2026-03-09', requests: 2 }), expect.objectContaining({ day: '2026-03-10', requests: 5 })]);
      expect(report.totals).toMatchObject({ requests: 7, prompt_tokens: 30, completion_tokens: 15, total_tokens: 45, cost_micros: 2_502_000, cost_usd: 2.502 });
    });

    it('groups by what it is asked, naming the group field', async () => {
      const report = await service.ofTenant(userPrincipal(viewer), tenant.id, { ...range, group_by: 'key' });
      expect(report.group_by).toBe('key');
      expect(report.results).toEqual(expect.arrayContaining([expect.objectContaining({ api_key_id: key.id, requests: 3 }), expect.objectContaining({ api_key_id: otherKey.id, requests: 4 })]));
    });

    it('lets a key of the tenant with the read scope read it', async () => {
      const report = await service.ofTenant(keyPrincipal(key, 'viewer'), 'acme', range);
      expect(report.totals.requests).toBe(7);
    });

    it('answers a tenant the caller is not in with 404', async () => {
      const outsider = db.member(db.tenant(), 'owner').user;
      await expect(service.ofTenant(userPrincipal(outsider), 'acme', range)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('refuses `from` after `to` (400 on from)', async () => {
      await expect(service.ofTenant(userPrincipal(viewer), 'acme', { from: '2026-03-31', to: '2026-03-01' })).rejects.toMatchObject({ code: 'validation_error', param: 'from' });
    });
  });

  describe('of a key', () => {
    it("reads the key's own usage only, naming it", async () => {
      const report = await service.ofKey(userPrincipal(viewer), key.id, range);
      expect(report).toMatchObject({ tenant: 'acme', api_key_id: key.id, group_by: 'day' });
      expect(report.totals.requests).toBe(3);
    });

    it("answers another tenant's key, an unknown id and a malformed id alike: 404 API key not found", async () => {
      const outsider = db.member(db.tenant(), 'owner').user;
      for (const [caller, id] of [
        [outsider, key.id],
        [viewer, '00000000-0000-4000-8000-000000000000'],
        [viewer, 'not-a-uuid'],
      ] as const) {
        await expect(service.ofKey(userPrincipal(caller), id, range)).rejects.toMatchObject({ code: 'not_found', message: 'API key not found' });
      }
    });

    it("answers a key of another tenant with 404 to that tenant's own API keys too", async () => {
      const stranger = db.key(db.tenant());
      await expect(service.ofKey(keyPrincipal(stranger, 'admin'), key.id, range)).rejects.toMatchObject({ code: 'not_found', message: 'API key not found' });
    });
  });
});
