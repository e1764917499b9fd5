import { Test } from '@nestjs/testing';
import { AuditRepository, UnitOfWork } from '@sluice/control-plane/data-access';
import { runWithRequestContext, type RequestContext } from '../request-context/request-context';
import { FakeAuditRepository, FakeDatabase, FakeUnitOfWork, keyPrincipal, userPrincipal } from '../testing/fakes';
import { AUDIT_VALUE_MAX_BYTES } from './audit-payload';
import { AuditService, type AuditRecord } from './audit.service';

describe('AuditService', () => {
  let db: FakeDatabase;
  let service: AuditService;
  let unitOfWork: FakeUnitOfWork;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [AuditService, { provide: AuditRepository, useValue: new FakeAuditRepository(db) }, { provide: UnitOfWork, useValue: new FakeUnitOfWork(db) }],
    }).compile();
    service = moduleRef.get(AuditService);
    unitOfWork = moduleRef.get<UnitOfWork, FakeUnitOfWork>(UnitOfWork);
  });

  const record = (fields: Partial<AuditRecord> = {}): AuditRecord => ({ tenantId: 'tenant-1', eventType: 'thing.updated', resourceType: 'thing', resourceId: 'thing-1', ...fields });
  const inRequest = (context: Partial<RequestContext>, work: () => Promise<unknown>) =>
    runWithRequestContext({ requestId: 'req-1', ipAddress: '203.0.113.7', userAgent: 'curl/8', principal: null, ...context }, work);

  it("records the request's user as the actor, with its address, user agent and request id, in the caller's transaction", async () => {
    const user = db.user({ email: 'ada@example.test' });
    await inRequest({ principal: userPrincipal(user) }, () => unitOfWork.run((tx) => service.record(tx, record({ old: { name: 'a' }, new: { name: 'b' } }))));
    expect(db.tables.auditEvents).toEqual([
      expect.objectContaining({
        tenant_id: 'tenant-1',
        event_type: 'thing.updated',
        resource_type: 'thing',
        resource_id: 'thing-1',
        actor: { type: 'user', id: user.id, email: 'ada@example.test' },
        ip_address: '203.0.113.7',
        user_agent: 'curl/8',
        request_id: 'req-1',
        payload: { old: { name: 'a' }, new: { name: 'b' } },
      }),
    ]);
  });

  it('names an API key as the actor by its id', async () => {
    const key = db.key(db.tenant());
    await inRequest({ principal: keyPrincipal(key, 'admin') }, () => unitOfWork.run((tx) => service.record(tx, record())));
    expect(db.tables.auditEvents[0].actor).toEqual({ type: 'api_key', id: key.id, email: null });
  });

  it('outside a request records the system, with no address, and null for a missing old or new', async () => {
    await unitOfWork.run((tx) => service.record(tx, record({ tenantId: null })));
    expect(db.tables.auditEvents[0]).toMatchObject({
      tenant_id: null,
      actor: { type: 'system', id: null, email: null },
      ip_address: null,
      user_agent: null,
      request_id: null,
      payload: { old: null, new: null },
    });
  });

  it('redacts secrets and digests large values before they are stored', async () => {
    const large = 'x'.repeat(AUDIT_VALUE_MAX_BYTES + 1);
    await unitOfWork.run((tx) => service.record(tx, record({ new: { name: 'ci', password: 'hunter2hunter2', key_hash: 'abc123', nested: { refresh: 'r-secret' }, notes: large } })));
    const payload = db.tables.auditEvents[0].payload as { new: Record<string, unknown> };
    const stored = JSON.stringify(payload);
    for (const secret of ['hunter2hunter2', 'abc123', 'r-secret', large]) expect(stored).not.toContain(secret);
    expect(payload.new).toMatchObject({ name: 'ci', password: '[redacted]', key_hash: '[redacted]', nested: { refresh: '[redacted]' } });
    expect(payload.new['notes']).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: AUDIT_VALUE_MAX_BYTES + 3 });
  });

  it('rolls back with the change it records', async () => {
    await expect(
      unitOfWork.run(async (tx) => {
        await service.record(tx, record());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(db.tables.auditEvents).toEqual([]);
  });
});
