import { createTestDatabase } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source';
import { UnitOfWork } from '../unit-of-work';
import { hashAuditEvent, type AuditEvent } from './audit-chain';
import { AuditRepository, type AuditDraft } from './audit.repository';
import { BROKEN_LINK_REASONS } from './chain-verifier';
import { redactSecrets } from './redaction';
import { verifyChain } from './verify-chain';

describe('AuditRepository', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  let audit: AuditRepository;
  let unitOfWork: UnitOfWork;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url, 20)).initialize();
    audit = new AuditRepository(dataSource);
    unitOfWork = new UnitOfWork(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const draft = (tenantId: string | null, overrides: Partial<AuditDraft> = {}): AuditDraft => ({
    tenantId,
    eventType: 'tenant.updated',
    actor: { type: 'user', id: randomUUID(), email: 'owner@acme.com' },
    resourceType: 'tenant',
    resourceId: tenantId,
    payload: { old: { contact_name: 'John' }, new: { contact_name: 'Jane' } },
    ipAddress: '203.0.113.7',
    userAgent: 'jest',
    requestId: randomUUID(),
    ...overrides,
  });

  const record = (tenantId: string | null, overrides: Partial<AuditDraft> = {}) =>
    unitOfWork.run((tx) => audit.append(tx, draft(tenantId, overrides)));

  async function seqs(tenantId: string | null): Promise<number[]> {
    const all: number[] = [];
    for await (const batch of audit.streamChain(tenantId)) all.push(...batch.map((event) => event.seq));
    return all;
  }

  it('links each event to the previous one of its chain', async () => {
    const tenant = randomUUID();
    const first = await record(tenant);
    const second = await record(tenant);
    expect(first).toEqual(expect.objectContaining({ seq: 1, prev_hash: null, tenant_id: tenant }));
    expect(second).toEqual(expect.objectContaining({ seq: 2, prev_hash: first.hash }));
    expect(second.hash).toBe(hashAuditEvent(second));
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the platform chain (no tenant) apart from tenant chains', async () => {
    const before = await audit.countChain(null);
    const event = await record(null, { eventType: 'tenant.created', resourceType: 'tenant' });
    expect(event.tenant_id).toBeNull();
    expect(event.seq).toBe(before + 1);
    expect((await verifyChain(audit, null)).chain_valid).toBe(true);
  });

  it('keeps every chain gap-free and valid under 50 parallel appends on one tenant and on 10 tenants', async () => {
    const busy = randomUUID();
    const tenants = Array.from({ length: 10 }, () => randomUUID());
    await Promise.all([
      ...Array.from({ length: 50 }, () => record(busy)),
      ...tenants.flatMap((tenant) => Array.from({ length: 5 }, () => record(tenant))),
    ]);
    expect(await seqs(busy)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    for (const tenant of [busy, ...tenants]) {
      const result = await verifyChain(audit, tenant);
      expect(result).toEqual(expect.objectContaining({ chain_valid: true, verified_count: result.total_events }));
    }
    for (const tenant of tenants) expect(await seqs(tenant)).toEqual([1, 2, 3, 4, 5]);
  });

  it('leaves no event and no gap behind a rolled-back change', async () => {
    const tenant = randomUUID();
    await record(tenant);
    await expect(
      unitOfWork.run(async (tx) => {
        await audit.append(tx, draft(tenant, { eventType: 'tenant.suspended' }));
        throw new Error('the change failed after recording');
      }),
    ).rejects.toThrow('the change failed');
    const next = await record(tenant);
    expect(next.seq).toBe(2);
    expect(await seqs(tenant)).toEqual([1, 2]);
    const [rolledBack] = await dataSource.query("SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND event_type = 'tenant.suspended'", [tenant]);
    expect(rolledBack.n).toBe(0);
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    const tenant = randomUUID();
    const event = await record(tenant);
    await expect(dataSource.query("UPDATE audit_events SET event_type = 'x' WHERE id = $1", [event.id])).rejects.toThrow(/append-only/);
    await expect(dataSource.query('DELETE FROM audit_events WHERE id = $1', [event.id])).rejects.toThrow(/append-only/);
    await expect(dataSource.query('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
    expect((await verifyChain(audit, tenant)).chain_valid).toBe(true);
  });

  it('stores payloads so that they re-hash exactly after the jsonb round trip', async () => {
    const tenant = randomUUID();
    await record(tenant, {
      payload: {
        zebra: 1,
        alpha: { nested: [3, 1, 2], 'key with spaces': 'ünïcödé 🚀', nul: 'a\u0000b', lone: 'x\ud800y' },
        numbers: [0.1, 1e21, -0, 123456789.123],
        when: new Date('2026-01-02T03:04:05.678Z') as unknown as string,
        missing: undefined,
        nothing: null,
      },
    });
    expect(await verifyChain(audit, tenant)).toEqual(expect.objectContaining({ chain_valid: true, total_events: 1, verified_count: 1 }));
  });

  it('verifies in batches with the same result as in one go', async () => {
    const tenant = randomUUID();
    for (let index = 0; index < 23; index += 1) await record(tenant);
    const batchSizes: number[] = [];
    for await (const batch of audit.streamChain(tenant, 5)) batchSizes.push(batch.length);
    expect(batchSizes).toEqual([5, 5, 5, 5, 3]);
    const progress: number[] = [];
    const batched = await verifyChain(audit, tenant, ({ verified }) => progress.push(verified), 5);
    expect(progress).toEqual([5, 10, 15, 20, 23]);
    expect(batched).toEqual(await verifyChain(audit, tenant));
    expect(batched).toEqual(expect.objectContaining({ chain_valid: true, verified_count: 23, total_events: 23 }));
  });

  describe('tampering, done as the database superuser with the trigger disabled', () => {
    async function tamper(sql: string, params: unknown[]): Promise<void> {
      await dataSource.transaction(async (manager) => {
        await manager.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
        await manager.query(sql, params);
        await manager.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
      });
    }

    async function chainOf(length: number): Promise<{ tenant: string; events: AuditEvent[] }> {
      const tenant = randomUUID();
      const events: AuditEvent[] = [];
      for (let index = 0; index < length; index += 1) events.push(await record(tenant, { payload: { step: index } }));
      return { tenant, events };
    }

    it('reports a changed payload as a hash mismatch of exactly that event', async () => {
      const { tenant, events } = await chainOf(6);
      await tamper(`UPDATE audit_events SET payload = '{"step": 999}' WHERE id = $1`, [events[3].id]);
      const result = await verifyChain(audit, tenant);
      expect(result).toEqual(expect.objectContaining({ chain_valid: false, total_events: 6, verified_count: 5 }));
      expect(result.broken_links).toEqual([
        expect.objectContaining({
          event_id: events[3].id,
          event_type: 'tenant.updated',
          reason: BROKEN_LINK_REASONS.hashMismatch,
          stored_hash: events[3].hash,
          computed_hash: expect.not.stringMatching(events[3].hash),
        }),
      ]);
    });

    it('reports a deleted event as a sequence gap at the event after it', async () => {
      const { tenant, events } = await chainOf(5);
      await tamper('DELETE FROM audit_events WHERE id = $1', [events[2].id]);
      const result = await verifyChain(audit, tenant);
      expect(result).toEqual(expect.objectContaining({ chain_valid: false, total_events: 4, verified_count: 3 }));
      expect(result.broken_links).toEqual([
        expect.objectContaining({ event_id: events[3].id, reason: BROKEN_LINK_REASONS.sequenceGap, expected_seq: 3, seq: 4 }),
      ]);
    });

    it('reports two events swapped (and re-hashed by someone who knows the algorithm) as link mismatches', async () => {
      const { tenant, events } = await chainOf(5);
      const [a, b] = [events[1], events[2]];
      // Give b a's place and a b's, each with its own hash recomputed for its new seq.
      const swappedB = { ...b, seq: a.seq };
      const swappedA = { ...a, seq: b.seq };
      await tamper('UPDATE audit_events SET seq = seq + 1000000 WHERE id IN ($1, $2)', [a.id, b.id]);
      await tamper('UPDATE audit_events SET seq = $2, hash = $3 WHERE id = $1', [b.id, swappedB.seq, hashAuditEvent(swappedB)]);
      await tamper('UPDATE audit_events SET seq = $2, hash = $3 WHERE id = $1', [a.id, swappedA.seq, hashAuditEvent(swappedA)]);
      const result = await verifyChain(audit, tenant);
      expect(result.chain_valid).toBe(false);
      expect(result.broken_links?.map((link) => [link.event_id, link.reason])).toEqual([
        [b.id, BROKEN_LINK_REASONS.linkMismatch],
        [a.id, BROKEN_LINK_REASONS.linkMismatch],
        [events[3].id, BROKEN_LINK_REASONS.linkMismatch],
      ]);
    });

    it('reports a naive swap of two events as hash mismatches of both', async () => {
      const { tenant, events } = await chainOf(4);
      const [a, b] = [events[1], events[2]];
      await tamper('UPDATE audit_events SET seq = seq + 1000000 WHERE id IN ($1, $2)', [a.id, b.id]);
      await tamper('UPDATE audit_events SET seq = $2 WHERE id = $1', [b.id, a.seq]);
      await tamper('UPDATE audit_events SET seq = $2 WHERE id = $1', [a.id, b.seq]);
      const result = await verifyChain(audit, tenant);
      const mismatched = result.broken_links?.filter((link) => link.reason === BROKEN_LINK_REASONS.hashMismatch).map((link) => link.event_id);
      expect(mismatched).toEqual([b.id, a.id]);
    });
  });

  it('never stores a secret that the caller passed through redaction', async () => {
    const tenant = randomUUID();
    const secrets = ['hunter2-password', 'slk_live_abcdefghijklmnopqrstuvwxyz0123456789', 'whsec_topsecret', 'refresh-token-value'];
    await record(tenant, {
      eventType: 'api_key.created',
      payload: redactSecrets({
        old: null,
        new: { name: 'ci', key: secrets[1], key_hash: 'e3b0c44298fc1c149afbf4c8996fb924', prefix: 'slk_live_abcd' },
        user: { email: 'a@acme.com', password: secrets[0], current_password: secrets[0] },
        webhook: { url: 'https://example.com/hook', webhook_secret: secrets[2] },
        session: { refresh: secrets[3], refresh_token: secrets[3] },
      }),
    });
    const rows = (await dataSource.query('SELECT payload::text AS text FROM audit_events WHERE tenant_id = $1', [tenant])) as Array<{ text: string }>;
    for (const secret of secrets) expect(rows[0].text).not.toContain(secret);
    expect(rows[0].text).toContain('slk_live_abcd');
    expect(rows[0].text).toContain('[redacted]');
  });
});
