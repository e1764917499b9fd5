import { databaseUrl, dropDatabase, randomSuffix, testRunId } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../data-source';
import { ensureDatabase } from '../ensure-database';
import { addMonths, monthOf, partitionName } from '../metering/usage-partitions.repository';
import { MIGRATIONS } from './index';

const MIGRATION = 'PartitionUsageEvents1764800000000';

/**
 * The migration on a database holding usage events of the schema before it
 * (months apart, one far back), applied the way the control plane applies
 * it, then reverted.
 */
describe(MIGRATION, () => {
  const name = `sluice_t_${testRunId()}_${randomSuffix()}`;
  let dataSource: DataSource;
  const tenant = randomUUID();
  const startedAt = ['2024-01-15T08:00:00.000Z', '2026-02-28T23:59:59.999Z', '2026-03-01T00:00:00.000Z', new Date().toISOString()];
  const requestIds = startedAt.map((_, i) => `req-migrated-${i}`);

  const insertEvent = (db: DataSource, requestId: string, at: string) =>
    db.query(
      `INSERT INTO usage_events (request_id, tenant_id, api_key_id, team_id, environment, model, provider, deployment, prompt_tokens, completion_tokens,
         cost_micros, usage_source, outcome, http_status, latency_ms, time_to_first_token_ms, started_at, finished_at)
       VALUES ($1, $2, $3, NULL, 'live', 'gpt-4o', 'openai', NULL, 10, 5, 100, 'provider', 'completed', 200, 120, NULL, $4, $4)`,
      [requestId, tenant, randomUUID(), at],
    );

  beforeAll(async () => {
    await ensureDatabase(databaseUrl(name));
    const before = MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === MIGRATION));
    const earlier = await new DataSource({ ...dataSourceOptions(databaseUrl(name), 2), migrations: before }).initialize();
    try {
      await runMigrations(earlier);
      for (const [i, at] of startedAt.entries()) await insertEvent(earlier, requestIds[i], at);
    } finally {
      await earlier.destroy();
    }
    dataSource = await new DataSource(dataSourceOptions(databaseUrl(name), 2)).initialize();
    expect(await runMigrations(dataSource)).toContain(MIGRATION);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(name);
  });

  const partitionOf = async (requestId: string) =>
    ((await dataSource.query(`SELECT tableoid::regclass::text AS partition FROM usage_events WHERE request_id = $1`, [requestId])) as Array<{ partition: string }>).map(
      (row) => row.partition,
    );

  it('keeps every row, each in the partition of its month', async () => {
    const rows = (await dataSource.query(`SELECT request_id, started_at FROM usage_events ORDER BY started_at`)) as Array<{ request_id: string; started_at: Date }>;
    expect(rows.map((row) => [row.request_id, row.started_at.toISOString()])).toEqual(requestIds.map((id, i) => [id, startedAt[i]]));
    expect(await partitionOf(requestIds[0])).toEqual(['usage_events_y2024m01']);
    expect(await partitionOf(requestIds[1])).toEqual(['usage_events_y2026m02']);
    expect(await partitionOf(requestIds[2])).toEqual(['usage_events_y2026m03']);
  });

  it('creates a partition for each month holding events and for the current month and three ahead, and a DEFAULT partition', async () => {
    const rows = (await dataSource.query(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'usage_events'::regclass ORDER BY 1`,
    )) as Array<{ name: string; bound: string }>;
    const current = monthOf(new Date());
    const expected = new Set(['2024-01-01', '2026-02-01', '2026-03-01', current, addMonths(current, 1), addMonths(current, 2), addMonths(current, 3)].map(partitionName));
    expect(rows.map((row) => row.name)).toEqual([...expected, 'usage_events_default'].sort());
    expect(rows.find((row) => row.name === 'usage_events_default')?.bound).toBe('DEFAULT');
  });

  it('skips a redelivered event and keeps the index the period close reads', async () => {
    await expect(insertEvent(dataSource, requestIds[1], startedAt[1])).rejects.toThrow(/usage_events.*pkey|duplicate key/);
    const indexes = (await dataSource.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'usage_events' ORDER BY 1`)) as Array<{ indexname: string }>;
    expect(indexes.map((row) => row.indexname)).toEqual(['usage_events_pkey', 'usage_events_tenant_started']);
  });

  it('takes an event of a month without a partition into the DEFAULT partition', async () => {
    await insertEvent(dataSource, 'req-far-ahead', '2099-07-01T00:00:00.000Z');
    expect(await partitionOf('req-far-ahead')).toEqual(['usage_events_default']);
  });

  it('goes back down to one table with every row, and up again', async () => {
    await dataSource.undoLastMigration({ transaction: 'all' });
    const [{ kind }] = (await dataSource.query(`SELECT relkind AS kind FROM pg_class WHERE relname = 'usage_events'`)) as Array<{ kind: string }>;
    expect(kind).toBe('r');
    const rows = (await dataSource.query(`SELECT request_id FROM usage_events ORDER BY started_at`)) as Array<{ request_id: string }>;
    expect(rows.map((row) => row.request_id)).toEqual([...requestIds, 'req-far-ahead']);
    const leftovers = (await dataSource.query(`SELECT relname FROM pg_class WHERE relname LIKE 'usage_events_%' AND relkind IN ('r', 'p') ORDER BY 1`)) as Array<{
      relname: string;
    }>;
    expect(leftovers).toEqual([]);
    expect(await runMigrations(dataSource)).toEqual([MIGRATION]);
    // Up again, the month of the event stamped far ahead gets a partition of its own, and no month in between does.
    expect(await partitionOf('req-far-ahead')).toEqual(['usage_events_y2099m07']);
    const [{ partitions }] = (await dataSource.query(`SELECT count(*)::int AS partitions FROM pg_inherits WHERE inhparent = 'usage_events'::regclass`)) as Array<{ partitions: number }>;
    expect(partitions).toBe(new Set(['2024-01-01', '2026-02-01', '2026-03-01', '2099-07-01', ...[0, 1, 2, 3].map((offset) => addMonths(monthOf(new Date()), offset))]).size + 1);
  });
});
