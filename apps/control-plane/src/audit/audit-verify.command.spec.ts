import { AuditRepository, dataSourceOptions, UnitOfWork, type ChainVerification } from '@sluice/control-plane/data-access';
import { ConfigError } from '@sluice/platform';
import { createTestDatabase } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { DataSource } from 'typeorm';
import { runAuditVerify } from './audit-verify.command';

describe('audit:verify command', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  const tenant = randomUUID();
  const events: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url, 2)).initialize();
    const audit = new AuditRepository(dataSource);
    const unitOfWork = new UnitOfWork(dataSource);
    for (const tenantId of [tenant, tenant, tenant, null]) {
      const event = await unitOfWork.run((tx) =>
        audit.append(tx, {
          tenantId,
          eventType: 'tenant.updated',
          actor: { type: 'system', id: null, email: null },
          resourceType: 'tenant',
          resourceId: tenantId,
          payload: { new: { name: 'Acme' } },
          ipAddress: null,
          userAgent: null,
          requestId: null,
        }),
      );
      events.push(event.id);
    }
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function run(args: string[]): Promise<{ code: number; output: unknown; progress: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => out.push(chunk));
    stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await runAuditVerify(args, { NODE_ENV: 'test', DATABASE_URL: database.url }, stdout, stderr);
    return { code, output: JSON.parse(Buffer.concat(out).toString('utf8')), progress: Buffer.concat(err).toString('utf8') };
  }

  it('verifies one tenant chain in the API\'s verification shape, with progress on stderr', async () => {
    const { code, output, progress } = await run(['--tenant', tenant]);
    expect(code).toBe(0);
    expect(output).toEqual({ tenant_id: tenant, chain_valid: true, verified_count: 3, total_events: 3, chain_head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(progress).toContain('3/3 events');
  });

  it('summarises every chain without arguments, and exits 1 once one is broken', async () => {
    const before = await run([]);
    expect(before.code).toBe(0);
    expect(before.output).toEqual(expect.objectContaining({ chains_valid: true, chain_count: 2, total_events: 4 }));

    await dataSource.transaction(async (manager) => {
      await manager.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      await manager.query(`UPDATE audit_events SET payload = '{"new": {"name": "Evil"}}' WHERE id = $1`, [events[1]]);
      await manager.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    });
    const after = await run(['--tenant', tenant]);
    expect(after.code).toBe(1);
    expect((after.output as ChainVerification).broken_links).toEqual([
      expect.objectContaining({ event_id: events[1], reason: 'Hash mismatch - potential tampering detected' }),
    ]);
    const platform = await run(['--platform']);
    expect(platform.code).toBe(0);
  });

  it.each([[['--tenant']], [['--tenant', 'not-a-uuid']], [['--everything']]])('refuses %p with usage', async (args) => {
    await expect(run(args)).rejects.toThrow(ConfigError);
  });
});
