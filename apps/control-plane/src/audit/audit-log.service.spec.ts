import { Test } from '@nestjs/testing';
import { AuditRepository, UnitOfWork, type TenantRow, type UserRow } from '@sluice/control-plane/data-access';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, keyPrincipal, userPrincipal, type FakeAuditRepository, type FakeUnitOfWork } from '../testing/fakes';
import { AuditLogService, type ChainsVerification } from './audit-log.service';
import type { ListAuditEventsQueryDto } from './dto/audit-query.dto';

describe('AuditLogService', () => {
  let db: FakeDatabase;
  let service: AuditLogService;
  let acme: TenantRow;
  let globex: TenantRow;
  let admin: UserRow;
  let viewer: UserRow;
  let platformAdmin: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [AuditLogService, TenantAccess, ...fakeSeams(db)] }).compile();
    service = moduleRef.get(AuditLogService);
    const audit = moduleRef.get<AuditRepository, FakeAuditRepository>(AuditRepository);
    const unitOfWork = moduleRef.get<UnitOfWork, FakeUnitOfWork>(UnitOfWork);
    acme = db.tenant({ slug: 'acme' });
    globex = db.tenant({ slug: 'globex' });
    admin = db.member(acme, 'admin').user;
    db.member(globex, 'member', admin);
    viewer = db.member(acme, 'viewer').user;
    platformAdmin = db.user({ is_platform_admin: true });
    for (const [tenantId, eventType, resourceId] of [
      [null, 'plan.created', 'basic'],
      [acme.id, 'tenant.updated', acme.id],
      [acme.id, 'api_key.created', 'key-1'],
      [globex.id, 'tenant.updated', globex.id],
    ] as const) {
      await unitOfWork.run((tx) =>
        audit.append(tx, { tenantId, eventType, resourceType: eventType.split('.')[0], resourceId, actor: { type: 'system', id: null, email: null }, payload: {}, ipAddress: null, userAgent: null, requestId: null }),
      );
    }
  });

  const query = (fields: Partial<ListAuditEventsQueryDto> = {}) => ({ page: 1, page_size: 50, ...fields }) as ListAuditEventsQueryDto;
  const chainsOf = (events: { results: Array<{ tenant_id: string | null }> }) => [...new Set(events.results.map((event) => event.tenant_id))];

  describe('list', () => {
    it('shows a platform admin every chain, the platform chain included, newest first', async () => {
      const events = await service.list(userPrincipal(platformAdmin), query());
      expect(events.count).toBe(4);
      expect(events.results.map((event) => event.event_type)).toEqual(['tenant.updated', 'api_key.created', 'tenant.updated', 'plan.created']);
    });

    it("shows a tenant admin only the chains of tenants it administers, never the platform's", async () => {
      const events = await service.list(userPrincipal(admin), query());
      expect(chainsOf(events)).toEqual([acme.id]);
      expect(events.count).toBe(2);
    });

    it('shows nothing to a caller who administers no tenant', async () => {
      expect(await service.list(userPrincipal(viewer), query())).toEqual({ count: 0, results: [] });
      expect(await service.list(keyPrincipal(db.key(acme), 'viewer'), query())).toEqual({ count: 0, results: [] });
    });

    it("lets a key with the write scope read its own tenant's chain", async () => {
      expect(chainsOf(await service.list(keyPrincipal(db.key(acme), 'admin'), query()))).toEqual([acme.id]);
    });

    it('narrows to a named tenant, which needs the admin role there: 403 below it, 404 outside it', async () => {
      expect(chainsOf(await service.list(userPrincipal(platformAdmin), query({ tenant_id: globex.id })))).toEqual([globex.id]);
      expect(chainsOf(await service.list(userPrincipal(admin), query({ tenant_id: acme.id })))).toEqual([acme.id]);
      await expect(service.list(userPrincipal(admin), query({ tenant_id: globex.id }))).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.list(userPrincipal(db.user()), query({ tenant_id: acme.id }))).rejects.toMatchObject({ code: 'not_found' });
    });

    it('passes the filters on and reads oldest first when ordered by id or timestamp', async () => {
      const filtered = await service.list(userPrincipal(platformAdmin), query({ event_type: 'tenant.updated', resource_id: globex.id }));
      expect(filtered.results).toEqual([expect.objectContaining({ tenant_id: globex.id, event_type: 'tenant.updated' })]);
      for (const ordering of ['id', 'timestamp']) {
        const oldestFirst = await service.list(userPrincipal(platformAdmin), query({ ordering }));
        expect(oldestFirst.results[0].event_type).toBe('plan.created');
      }
      expect((await service.list(userPrincipal(platformAdmin), query({ ordering: '-id' }))).results[0].event_type).toBe('tenant.updated');
    });
  });

  describe('verify', () => {
    it("verifies a named tenant's chain for its admin: 403 below admin, 404 outside the tenant", async () => {
      expect(await service.verify(userPrincipal(admin), acme.id)).toMatchObject({ tenant_id: acme.id, chain_valid: true });
      await expect(service.verify(userPrincipal(viewer), acme.id)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.verify(userPrincipal(db.user()), acme.id)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('verifies every chain for a platform admin, the platform chain included, and only the administered ones for anyone else', async () => {
      const all = (await service.verify(userPrincipal(platformAdmin), undefined)) as ChainsVerification;
      expect(all.chains.map((chain) => chain.tenant_id)).toEqual([null, ...[acme.id, globex.id].sort()]);
      expect(all.chain_valid).toBe(true);
      const mine = (await service.verify(userPrincipal(admin), undefined)) as ChainsVerification;
      expect(mine.chains.map((chain) => chain.tenant_id)).toEqual([acme.id]);
      expect(((await service.verify(userPrincipal(viewer), undefined)) as ChainsVerification).chains).toEqual([]);
    });
  });
});
