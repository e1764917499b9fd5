import { createTestDatabase, waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source';
import { UnitOfWork } from '../unit-of-work';
import { hashAuditEvent, type AuditEvent } from './audit-chain';
import { AuditRepository, type AuditDraft } from './audit.repository';
import { isoTimestamp, parseChainRow } from './chain-row';
import { BROKEN_LINK_REASONS } from './chain-verifier';
import { redactSecrets } from './redaction';
import { CanonicalBuffers, canonicalRowBytes, RowFields, splitRow } from './chain-row-bytes';
import { verifyChain, verifyChainInThread } from './verify-chain';

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

  it('streams each event exactly as it was appended, through COPY escaping, payload and time included', async () => {
    const tenant = randomUUID();
    const awkward = 'tab\there, newline\nthere, cr\r, backslash \\ and \\N, \b\f\v\u0001 é 😀';
    const appended = [
      await record(tenant, { payload: { 'z"\\': ['é', '\u2028', '😀', 1e21, 0.1, -5, true, null, awkward], a: { '': {} } } }),
      await record(tenant, { actor: { type: 'system', id: null, email: null }, resourceId: null, ipAddress: null, userAgent: null, requestId: null }),
      await record(tenant, { eventType: 'user.created\tx', resourceId: awkward, userAgent: '\\N', requestId: '', payload: {} }),
    ];
    const streamed: unknown[] = [];
    for await (const rows of audit.streamChainRows(tenant, 2)) streamed.push(...rows.map(parseChainRow));
    expect(streamed).toEqual(appended);
    expect(await verifyChain(audit, tenant)).toEqual(expect.objectContaining({ chain_valid: true, verified_count: 3 }));
  });

  it("checks PostgreSQL's jsonb form of common events on their bytes and the rest the reference way", async () => {
    const tenant = randomUUID();
    const awkward = 'tab\there, newline\nthere, backslash \\ and \\N, \u0001 é 😀';
    await record(tenant, { payload: { max_users: 10, contact_name: 'Ann', nested: { bb: { d: 1, c: -2 }, a: [[1], [true, false, null, 'é 😀 {x: 1}, [y]']] }, '': {} } });
    await record(tenant, { payload: { text: awkward } });
    await record(tenant, { eventType: 'user "quoted"', payload: {} });
    await record(tenant, { payload: { ratio: 0.5 } });
    await record(tenant, { actor: { type: 'system', id: null, email: null }, resourceId: null, ipAddress: null, userAgent: null, requestId: null });
    const shortcut: boolean[] = [];
    const fields = new RowFields();
    const buffers = new CanonicalBuffers();
    for await (const { bytes } of audit.streamChainBytes(tenant, 2)) {
      const row = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let start = 0; start < row.length; start = splitRow(row, start, fields) + 1) {
        splitRow(row, start, fields);
        shortcut.push(canonicalRowBytes(row, fields, buffers) !== -1);
      }
    }
    expect(shortcut).toEqual([true, false, false, false, true]);
    const expected = await verifyChainInThread(audit, tenant);
    expect(expected).toEqual(expect.objectContaining({ chain_valid: true, verified_count: 5 }));
    for (const batchSize of [1, 2, 5]) expect(await verifyChain(audit, tenant, undefined, batchSize, { threads: 0 })).toEqual(expected);
  });

  it("completes PostgreSQL's UTC times (text and JSON forms) to the ISO form that was hashed", async () => {
    const times = ['2026-01-02T03:04:05.000Z', '2026-01-02T03:04:05.100Z', '2026-01-02T03:04:05.120Z', '2026-01-02T03:04:05.123Z', '1999-12-31T23:59:59.999Z', '0001-01-01T00:00:00.001Z'];
    const [{ text, json }] = (await dataSource.query(
      `SELECT string_agg((t AT TIME ZONE 'UTC')::text, '|' ORDER BY n) AS text, json_agg(t AT TIME ZONE 'UTC' ORDER BY n)::text AS json
         FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(t, n)`,
      [times],
    )) as Array<{ text: string; json: string }>;
    expect(text.split('|')[0]).toBe('2026-01-02 03:04:05');
    expect(text.split('|').map(isoTimestamp)).toEqual(times);
    expect((JSON.parse(json) as string[]).map(isoTimestamp)).toEqual(times);
  });

  it('quotes the chain id it has to inline into COPY (which takes no parameters)', async () => {
    const hostile = "00000000-0000-0000-0000-000000000001'::uuid) TO STDOUT; DROP TABLE audit_events; --";
    await expect(verifyChain(audit, hostile)).rejects.toThrow(/invalid input syntax for type uuid/);
    await expect(verifyChain(audit, 'not-a-uuid\\')).rejects.toThrow(/invalid input syntax for type uuid/);
    expect(await audit.countChain(null)).toBeGreaterThan(0);
    expect((await verifyChain(audit, randomUUID())).total_events).toBe(0);
  });

  describe('a long chain', () => {
    const tenant = randomUUID();
    const LENGTH = 30_000;

    beforeAll(async () => {
      // Rows only need to stream here, not to verify: fake hashes, bulk-inserted.
      await dataSource.query(
        `INSERT INTO audit_events (id, tenant_id, seq, event_type, actor_type, resource_type, payload, occurred_at, hash)
         SELECT nextval('audit_events_id_seq'), $1, n, 'tenant.updated', 'system', 'tenant',
                jsonb_build_object('new', jsonb_build_object('padding', repeat('x', 500), 'n', n)), now(), md5(n::text) || md5(n::text)
           FROM generate_series(1, $2) AS n`,
        [tenant, LENGTH],
      );
    });

    async function copyBackends(): Promise<Array<{ wait_event: string | null }>> {
      return (await dataSource.query(
        "SELECT wait_event FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SET LOCAL datestyle%' AND state = 'active'",
      )) as Array<{ wait_event: string | null }>;
    }

    it('holds the server back while the consumer is busy (backpressure), then delivers every row in order', async () => {
      const batches = audit.streamChainRows(tenant, 100);
      const first = await batches.next();
      expect(first.done).toBe(false);
      // Not consuming: with only two batches queued, the socket is paused and PostgreSQL blocks on a full send buffer.
      await waitUntil(async () => (await copyBackends()).some((backend) => backend.wait_event === 'ClientWrite'), 10_000, 'the COPY to wait on the client');
      let expectedSeq = 1;
      for (const row of first.value ?? []) expect(parseChainRow(row).seq).toBe(expectedSeq++);
      for await (const rows of { [Symbol.asyncIterator]: () => batches }) {
        expect(rows.length).toBeLessThanOrEqual(100);
        for (const row of rows) expect(parseChainRow(row).seq).toBe(expectedSeq++);
      }
      expect(expectedSeq - 1).toBe(LENGTH);
    });

    it('cancels the COPY when the consumer stops early and leaves the pool usable', async () => {
      let seen = 0;
      for await (const rows of audit.streamChainRows(tenant, 100)) {
        seen += rows.length;
        if (seen >= 200) break;
      }
      expect(seen).toBe(200);
      expect(await copyBackends()).toEqual([]);
      expect(await audit.countChain(tenant)).toBe(LENGTH);
    });
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
