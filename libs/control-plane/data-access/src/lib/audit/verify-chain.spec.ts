import { createTestDatabase } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source';
import { hashAuditEvent, type AuditEvent, type UnhashedAuditEvent } from './audit-chain';
import { AuditRepository } from './audit.repository';
import { checkChainBatch } from './chain-batch';
import { ChainHashPool } from './chain-hash-pool';
import { BROKEN_LINK_REASONS, type ChainVerification } from './chain-verifier';
import { verifyChain, verifyChainInThread, type VerifyProgress } from './verify-chain';

/** Batches of 100: the chains below span many, so every check crosses batch boundaries. */
const BATCH = 100;

describe('verifyChain on hashing threads', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  let audit: AuditRepository;
  let pool: ChainHashPool;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url, 4)).initialize();
    audit = new AuditRepository(dataSource);
    pool = ChainHashPool.start(2) as ChainHashPool;
    await pool.whenReady();
  });

  afterAll(async () => {
    await pool?.close();
    await dataSource?.destroy();
    await database?.drop();
  });

  /** A valid chain of `length` events, bulk-inserted with real hashes; seq n has id `idBase + n`. */
  async function seedChain(tenantId: string | null, length: number): Promise<AuditEvent[]> {
    const [{ base }] = (await dataSource.query("SELECT nextval('audit_events_id_seq') AS base")) as Array<{ base: string }>;
    await dataSource.query("SELECT setval('audit_events_id_seq', $1)", [Number(base) + length + 1]);
    const events: AuditEvent[] = [];
    let prevHash: string | null = null;
    for (let seq = 1; seq <= length; seq += 1) {
      const unhashed: UnhashedAuditEvent = {
        id: Number(base) + seq,
        tenant_id: tenantId,
        seq,
        event_type: seq % 7 === 0 ? 'api_key.created' : 'tenant.updated',
        actor: seq % 5 === 0 ? { type: 'system', id: null, email: null } : { type: 'user', id: randomUUID(), email: 'owner@acme.com' },
        resource_type: 'tenant',
        resource_id: tenantId,
        payload: { old: { contact_name: `Name ${seq - 1}` }, new: { contact_name: seq % 11 === 0 ? `tab\there "quoted" \\ é 😀` : `Name ${seq}` } },
        ip_address: seq % 3 === 0 ? null : '203.0.113.7',
        user_agent: seq % 13 === 0 ? 'tab\tand\nnewline' : 'jest',
        request_id: `req-${seq}`,
        timestamp: new Date(Date.UTC(2026, 0, 1) + seq * 7).toISOString(),
        prev_hash: prevHash,
      };
      const event: AuditEvent = { ...unhashed, hash: hashAuditEvent(unhashed) };
      prevHash = event.hash;
      events.push(event);
    }
    await dataSource.query(
      `INSERT INTO audit_events (id, tenant_id, seq, event_type, actor_type, actor_id, actor_email, resource_type, resource_id,
         payload, ip_address, user_agent, request_id, occurred_at, prev_hash, hash)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
         $9::text[], $10::jsonb[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[], $16::text[])`,
      [
        events.map((e) => e.id), events.map((e) => e.tenant_id), events.map((e) => e.seq), events.map((e) => e.event_type),
        events.map((e) => e.actor.type), events.map((e) => e.actor.id), events.map((e) => e.actor.email), events.map((e) => e.resource_type),
        events.map((e) => e.resource_id), events.map((e) => JSON.stringify(e.payload)), events.map((e) => e.ip_address),
        events.map((e) => e.user_agent), events.map((e) => e.request_id), events.map((e) => e.timestamp), events.map((e) => e.prev_hash),
        events.map((e) => e.hash),
      ],
    );
    return events;
  }

  async function tamper(sql: string, params: unknown[]): Promise<void> {
    await dataSource.transaction(async (manager) => {
      await manager.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      await manager.query(sql, params);
      await manager.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    });
  }

  /** Verifies on the pool's threads, checks that they did the work, and that the reference finds exactly the same. */
  async function verifiedOnThreads(tenantId: string | null): Promise<ChainVerification> {
    const before = pool.batchesChecked;
    const progress: VerifyProgress[] = [];
    const referenceProgress: VerifyProgress[] = [];
    const result = await verifyChain(audit, tenantId, (step) => progress.push(step), BATCH, { pool });
    expect(pool.batchesChecked).toBeGreaterThan(before);
    expect(result).toEqual(await verifyChainInThread(audit, tenantId, (step) => referenceProgress.push(step), BATCH));
    expect(progress).toEqual(referenceProgress);
    return result;
  }

  it('verifies a long chain on the threads exactly as the reference does, progress included', async () => {
    const tenant = randomUUID();
    const events = await seedChain(tenant, 1_050);
    expect(await verifiedOnThreads(tenant)).toEqual({ tenant_id: tenant, chain_valid: true, verified_count: 1_050, total_events: 1_050, chain_head: events[1_049].hash });
  });

  it('reports tampering in a batch, at its boundaries, a deleted event and a reordering exactly as the reference does, chain by chain', async () => {
    const [tenant, untouched] = [randomUUID(), randomUUID()];
    const events = await seedChain(tenant, 1_000);
    await seedChain(untouched, 450);
    await seedChain(null, 250);
    const byId = (seq: number) => events[seq - 1].id;

    // Middle of batch 3, first of batch 4, last of batch 5 (seqs 1-100 are batch 1).
    for (const seq of [250, 301, 500]) await tamper(`UPDATE audit_events SET payload = '{"new": {"contact_name": "Evil"}}' WHERE id = $1`, [byId(seq)]);
    // Deleted: the last of batch 7, so the gap shows at the first of batch 8.
    await tamper('DELETE FROM audit_events WHERE id = $1', [byId(700)]);
    // Reordered across the boundary of batches 9 and 10, each re-hashed for its new place.
    const [a, b] = [events[899], events[900]];
    await tamper('UPDATE audit_events SET seq = seq + 1000000 WHERE id IN ($1, $2)', [a.id, b.id]);
    await tamper('UPDATE audit_events SET seq = $2, hash = $3 WHERE id = $1', [b.id, a.seq, hashAuditEvent({ ...b, seq: a.seq })]);
    await tamper('UPDATE audit_events SET seq = $2, hash = $3 WHERE id = $1', [a.id, b.seq, hashAuditEvent({ ...a, seq: b.seq })]);

    const result = await verifiedOnThreads(tenant);
    expect(result).toEqual(expect.objectContaining({ chain_valid: false, total_events: 999 }));
    expect(result.broken_links?.map((link) => [link.event_id, link.reason])).toEqual([
      [byId(250), BROKEN_LINK_REASONS.hashMismatch],
      [byId(301), BROKEN_LINK_REASONS.hashMismatch],
      [byId(500), BROKEN_LINK_REASONS.hashMismatch],
      [byId(701), BROKEN_LINK_REASONS.sequenceGap],
      [b.id, BROKEN_LINK_REASONS.linkMismatch],
      [a.id, BROKEN_LINK_REASONS.linkMismatch],
      [byId(902), BROKEN_LINK_REASONS.linkMismatch],
    ]);
    expect(result.broken_links?.[3]).toEqual(expect.objectContaining({ expected_seq: 700, seq: 701 }));
    expect((await verifiedOnThreads(untouched)).chain_valid).toBe(true);
    expect(await verifiedOnThreads(null)).toEqual(expect.objectContaining({ tenant_id: null, chain_valid: true, total_events: 250 }));
  });

  it('answers an empty chain and a chain of one event as the reference does', async () => {
    const [empty, single] = [randomUUID(), randomUUID()];
    await seedChain(single, 1);
    for (const tenant of [empty, single]) expect(await verifyChain(audit, tenant, undefined, BATCH, { pool })).toEqual(await verifyChainInThread(audit, tenant));
    expect((await verifyChain(audit, empty, undefined, BATCH, { pool })).total_events).toBe(0);
  });

  it('checks a long chain on the calling thread while threads of its own start, and stops them', async () => {
    const tenant = randomUUID();
    const events = await seedChain(tenant, 600);
    await tamper(`UPDATE audit_events SET request_id = 'forged' WHERE id = $1`, [events[400].id]);
    const result = await verifyChain(audit, tenant, undefined, BATCH, { threads: 2, threadsAfter: 0 });
    expect(result).toEqual(await verifyChainInThread(audit, tenant));
    expect(result.broken_links).toEqual([expect.objectContaining({ event_id: events[400].id, reason: BROKEN_LINK_REASONS.hashMismatch })]);
  });

  it('runs concurrent verifications, which share the process threads, each as the reference does', async () => {
    const tenants = [randomUUID(), randomUUID(), randomUUID()];
    const chains: AuditEvent[][] = [];
    for (const tenant of tenants) chains.push(await seedChain(tenant, 400));
    await tamper('DELETE FROM audit_events WHERE id = $1', [chains[1][250].id]);
    const results = await Promise.all(tenants.map((tenant) => verifyChain(audit, tenant, undefined, BATCH, { threads: 2, threadsAfter: 0 })));
    for (const [index, tenant] of tenants.entries()) expect(results[index]).toEqual(await verifyChainInThread(audit, tenant));
    expect(results.map((result) => result.chain_valid)).toEqual([true, false, true]);
  });

  it('rejects a batch the thread cannot read with the error the calling thread would throw', async () => {
    const garbage = Buffer.from('only\ttwo\n');
    expect(() => checkChainBatch(garbage)).toThrow(/fields, expected 16/);
    await expect(pool.check({ bytes: Buffer.from(new Uint8Array(garbage).buffer), rows: 1 }, 10) as Promise<unknown>).rejects.toThrow(/fields, expected 16/);
  });
});
