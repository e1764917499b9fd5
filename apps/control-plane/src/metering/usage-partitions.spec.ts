import { dataSourceOptions, UsagePartitionsRepository } from '@sluice/control-plane/data-access';
import { createTestDatabase } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../config/control-plane.config';
import type { Queue } from 'bullmq';
import { UsagePartitionsMaintenance, UsagePartitionsSchedule, USAGE_PARTITIONS_JOB } from './usage-partitions';

/** The partitions job's step on a real, migrated database, at chosen clock times. */
describe('UsagePartitionsMaintenance', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  let partitions: UsagePartitionsRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url, 2)).initialize();
    partitions = new UsagePartitionsRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const maintenance = (retentionMonths: number | null, aheadMonths = 3) =>
    new UsagePartitionsMaintenance(partitions, { usagePartitions: { retentionMonths, aheadMonths, intervalMs: 60_000 } } as ControlPlaneConfig);

  const insertEvent = (requestId: string, startedAt: string) =>
    dataSource.query(
      `INSERT INTO usage_events (request_id, tenant_id, api_key_id, team_id, environment, model, provider, deployment, prompt_tokens, completion_tokens,
         cost_micros, usage_source, outcome, http_status, latency_ms, time_to_first_token_ms, started_at, finished_at)
       VALUES ($1, $2, $2, NULL, 'live', 'gpt-4o', 'openai', NULL, 1, 1, 1, 'provider', 'completed', 200, 1, NULL, $3, $3)`,
      [requestId, randomUUID(), startedAt],
    );
  const partitionOf = async (requestId: string) =>
    ((await dataSource.query(`SELECT tableoid::regclass::text AS partition FROM usage_events WHERE request_id = $1`, [requestId])) as Array<{ partition: string }>)[0]
      ?.partition;
  const tableExists = async (name: string) => ((await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [name])) as Array<{ present: boolean }>)[0].present;

  it('creates the current month and the months ahead, once: a second run creates nothing', async () => {
    const now = new Date('2031-05-17T12:00:00.000Z');
    expect(await maintenance(null, 2).run(now)).toEqual({ created: ['usage_events_y2031m05', 'usage_events_y2031m06', 'usage_events_y2031m07'], detached: [] });
    expect(await maintenance(null, 2).run(now)).toEqual({ created: [], detached: [] });
    // Two replicas at once: the advisory lock lets one create, and the other finds it there.
    const both = await Promise.all([maintenance(null, 3).run(now), maintenance(null, 3).run(now)]);
    expect(both.flatMap((report) => report.created)).toEqual(['usage_events_y2031m08']);
    expect(await partitions.attachedMonths()).toEqual(expect.arrayContaining(['2031-05-01', '2031-06-01', '2031-07-01', '2031-08-01']));
  });

  it('moves the events the DEFAULT partition caught into a partition of their month, within retention', async () => {
    await insertEvent('req-caught-ahead', '2033-02-10T00:00:00.000Z');
    await insertEvent('req-caught-ahead-2', '2033-02-11T00:00:00.000Z');
    await insertEvent('req-caught-behind', '2001-03-01T00:00:00.000Z');
    expect(await partitionOf('req-caught-ahead')).toBe('usage_events_default');
    const report = await maintenance(null).run(new Date('2031-05-17T12:00:00.000Z'));
    expect(report.created).toEqual(expect.arrayContaining(['usage_events_y2033m02', 'usage_events_y2001m03']));
    expect(await partitionOf('req-caught-ahead')).toBe('usage_events_y2033m02');
    expect(await partitionOf('req-caught-ahead-2')).toBe('usage_events_y2033m02');
    expect(await partitionOf('req-caught-behind')).toBe('usage_events_y2001m03');
    expect(await partitions.monthsInDefault()).toEqual([]);
    // Redelivered now, each still meets its own row: the primary key spans the partitions.
    await expect(insertEvent('req-caught-ahead', '2033-02-10T00:00:00.000Z')).rejects.toThrow(/duplicate key/);
  });

  it('detaches the months before the retention, keeps them as tables, and leaves a late event of such a month in DEFAULT', async () => {
    await partitions.ensureMonth('2031-01-01');
    await insertEvent('req-old', '2031-01-20T00:00:00.000Z');
    const now = new Date('2031-05-17T12:00:00.000Z');
    // Three months of retention before May: February, March and April stay; January and everything older go.
    const report = await maintenance(3).run(now);
    expect(report.detached).toEqual(expect.arrayContaining(['usage_events_y2001m03', 'usage_events_y2031m01']));
    expect(await partitions.attachedMonths()).not.toContain('2031-01-01');
    expect((await partitions.attachedMonths()).every((month) => month >= '2031-02-01')).toBe(true);
    expect(await partitionOf('req-old')).toBeUndefined();
    expect(await tableExists('usage_events_y2031m01')).toBe(true);
    expect(((await dataSource.query(`SELECT count(*)::int AS n FROM usage_events_y2031m01`)) as Array<{ n: number }>)[0].n).toBe(1);
    expect(await maintenance(3).run(now)).toEqual({ created: [], detached: [] });
    // A late event of a detached month: ingested into DEFAULT, and left there (no second table of that name).
    await insertEvent('req-late', '2031-01-25T00:00:00.000Z');
    expect(await maintenance(3).run(now)).toEqual({ created: [], detached: [] });
    expect(await partitionOf('req-late')).toBe('usage_events_default');
  });
});

describe('UsagePartitionsSchedule', () => {
  it('schedules the job once for every replica, at the configured interval', async () => {
    const upsertJobScheduler = jest.fn().mockResolvedValue(undefined);
    const queue = { upsertJobScheduler, on: jest.fn() } as unknown as Queue;
    await new UsagePartitionsSchedule(queue, { usagePartitions: { retentionMonths: null, aheadMonths: 3, intervalMs: 120_000 } } as ControlPlaneConfig).onApplicationBootstrap();
    expect(upsertJobScheduler).toHaveBeenCalledWith(USAGE_PARTITIONS_JOB, { every: 120_000 }, expect.objectContaining({ name: USAGE_PARTITIONS_JOB }));
  });
});
