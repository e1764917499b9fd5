import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The months the migration creates past the current one; the partitions job keeps this many ahead afterwards. */
const MONTHS_AHEAD = 3;

const COLUMNS = `request_id, tenant_id, api_key_id, team_id, environment, model, provider, deployment, prompt_tokens, completion_tokens,
  cost_micros, usage_source, outcome, http_status, latency_ms, time_to_first_token_ms, started_at, finished_at, recorded_at`;

const COLUMN_DEFINITIONS = `
  request_id             varchar(128) NOT NULL,
  tenant_id              uuid NOT NULL,
  api_key_id             uuid NOT NULL,
  team_id                uuid,
  environment            varchar(16) NOT NULL,
  model                  varchar(128) NOT NULL,
  provider               varchar(64) NOT NULL,
  deployment             varchar(200),
  prompt_tokens          bigint NOT NULL,
  completion_tokens      bigint NOT NULL,
  cost_micros            bigint NOT NULL,
  usage_source           varchar(16) NOT NULL,
  outcome                varchar(16) NOT NULL,
  http_status            smallint NOT NULL,
  latency_ms             integer NOT NULL,
  time_to_first_token_ms integer,
  started_at             timestamptz(3) NOT NULL,
  finished_at            timestamptz(3) NOT NULL,
  recorded_at            timestamptz(3) NOT NULL DEFAULT now()`;

/**
 * `usage_events` becomes a table partitioned by the month of `started_at`
 * (docs/scaling.md, "PostgreSQL at volume"): one partition per UTC month
 * that holds events and for the current month and three ahead, and a DEFAULT
 * partition that takes an event of a month without one, so ingestion never
 * fails on a missing partition (the partitions job moves such rows into
 * their month's partition when it creates it).
 *
 * A unique key of a partitioned table must hold the partition key, so the
 * primary key becomes (request_id, started_at): a redelivered event carries
 * the same started_at and is still skipped by the ingest's ON CONFLICT.
 * The period close's (tenant_id, started_at) index stays, per partition.
 *
 * The rows move in one transaction: the old table is renamed, the new one
 * created, the rows copied and the old table dropped. `down` does the reverse
 * (a request id recorded twice under different start times keeps its first).
 */
export class PartitionUsageEvents1764800000000 implements MigrationInterface {
  name = 'PartitionUsageEvents1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE usage_events RENAME TO usage_events_unpartitioned');
    await queryRunner.query('ALTER TABLE usage_events_unpartitioned RENAME CONSTRAINT usage_events_pkey TO usage_events_unpartitioned_pkey');
    await queryRunner.query('ALTER INDEX usage_events_tenant_started RENAME TO usage_events_unpartitioned_tenant_started');

    await queryRunner.query(`CREATE TABLE usage_events (${COLUMN_DEFINITIONS},
      CONSTRAINT usage_events_pkey PRIMARY KEY (request_id, started_at)
    ) PARTITION BY RANGE (started_at)`);
    await queryRunner.query('CREATE INDEX usage_events_tenant_started ON usage_events (tenant_id, started_at)');
    await queryRunner.query('CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT');

    // The months holding events, and the current month with the next three: not every month in between (one event stamped
    // far ahead by a broken clock would otherwise cost hundreds of empty partitions); a month left out falls to DEFAULT.
    const months = (await queryRunner.query(
      `SELECT to_char(month, 'YYYY-MM-DD') AS month FROM (
         SELECT DISTINCT date_trunc('month', started_at AT TIME ZONE 'UTC') AS month FROM usage_events_unpartitioned
         UNION SELECT date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => ahead) FROM generate_series(0, $1::int) AS ahead
       ) m ORDER BY 1`,
      [MONTHS_AHEAD],
    )) as Array<{ month: string }>;
    for (const { month } of months) {
      await queryRunner.query(
        `CREATE TABLE ${partitionName(month)} PARTITION OF usage_events FOR VALUES FROM ('${month} 00:00:00+00') TO ('${nextMonth(month)} 00:00:00+00')`,
      );
    }

    await queryRunner.query(`INSERT INTO usage_events (${COLUMNS}) SELECT ${COLUMNS} FROM usage_events_unpartitioned`);
    await queryRunner.query('DROP TABLE usage_events_unpartitioned');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE usage_events RENAME TO usage_events_partitioned');
    await queryRunner.query('ALTER TABLE usage_events_partitioned RENAME CONSTRAINT usage_events_pkey TO usage_events_partitioned_pkey');
    await queryRunner.query('ALTER INDEX usage_events_tenant_started RENAME TO usage_events_partitioned_tenant_started');
    await queryRunner.query(`CREATE TABLE usage_events (${COLUMN_DEFINITIONS}, CONSTRAINT usage_events_pkey PRIMARY KEY (request_id))`);
    await queryRunner.query(
      `INSERT INTO usage_events (${COLUMNS}) SELECT ${COLUMNS} FROM usage_events_partitioned ORDER BY request_id, started_at ON CONFLICT (request_id) DO NOTHING`,
    );
    await queryRunner.query('CREATE INDEX usage_events_tenant_started ON usage_events (tenant_id, started_at)');
    // Partitions detached by the retention job are the operator's to archive or drop (docs/operations.md); attached ones go with their table.
    await queryRunner.query('DROP TABLE usage_events_partitioned');
  }
}

/** `usage_events_y2026m12` for the month starting `2026-12-01`: the name the partitions job uses too. */
function partitionName(month: string): string {
  return `usage_events_y${month.slice(0, 4)}m${month.slice(5, 7)}`;
}

function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const index = Number(month.slice(5, 7));
  return index === 12 ? `${year + 1}-01-01` : `${year}-${String(index + 1).padStart(2, '0')}-01`;
}
