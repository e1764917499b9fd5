import type { UsageEventV1 } from '@sluice/contracts';
import type { DataSource } from 'typeorm';
import { arrayLiteral } from '../pg-array';
import { binaryArray, type BinaryElementType } from '../pg-binary-array';
import { query, queryOne, type Reader } from '../sql';
import type { Transaction } from '../unit-of-work';

/**
 * One usage event as the metering consumer hands it over: the contract's
 * `UsageEventV1`, validated already, without its version tag.
 */
export type UsageEventInput = Omit<UsageEventV1, 'v'>;

export type UsageGroupBy = 'day' | 'model' | 'key' | 'team' | 'environment';

export interface UsageTotalsRow {
  /** The group's value: a `YYYY-MM-DD` day, a model id, a key id, a team id (null: keys without a team) or an environment. */
  group: string | null;
  /** The key's or team's name when grouped by key or team (a deleted key keeps its name; null when the team is gone). */
  name?: string | null;
  requests: string;
  prompt_tokens: string;
  completion_tokens: string;
  cost_micros: string;
}

export interface PeriodUsageRow {
  api_calls: string;
  ai_tokens: string;
  cost_micros: string;
}

const GROUP_COLUMNS: Record<UsageGroupBy, string> = {
  day: `to_char(d.day, 'YYYY-MM-DD')`,
  model: 'd.model',
  key: 'd.api_key_id::text',
  team: 'd.team_id::text',
  environment: 'd.environment',
};

/** Keys and teams are named in their reports; a deleted key's row stays, so its name does too. */
const GROUP_NAMES: Partial<Record<UsageGroupBy, { column: string; join: string }>> = {
  key: { column: 'k.name', join: 'LEFT JOIN api_keys k ON k.id = d.api_key_id' },
  team: { column: 't.name', join: 'LEFT JOIN teams t ON t.id = d.team_id' },
};

/**
 * `USAGE_INGEST_SQL` writes a batch of usage events with every effect they
 * have, in one statement inside the caller's transaction:
 *
 * - the events, one row per request id: a request id repeated within the
 *   batch keeps its first event; an event seen before (redelivered after a
 *   crash between commit and XACK, or replayed by a gateway) carries the same
 *   `started_at` and is skipped by the primary key (request_id, started_at),
 *   whichever monthly partition holds it; only the newly inserted rows flow
 *   into the effects below (docs/scaling.md, "PostgreSQL at volume");
 * - the daily rollup per (tenant, day, key, team, model, environment);
 * - the tenant's usage in the quota period the request started in (periods
 *   of `period_days` of its plan, counted from its `last_reset_at`);
 * - for prepaid tenants, one ledger debit per live request with a cost, and
 *   the balance beside the ledger; the ledger's unique request id debits a
 *   request at most once, even for a malformed event that repeats a request
 *   id under another `started_at`.
 *
 * The batch travels as one array per column (`unnest`): PostgreSQL reads
 * an array of each type directly, where a JSON document of the batch cost a
 * JSON parse and a record conversion per field; each array is built here in
 * one piece, not serialised by node-postgres element by element: the
 * UUIDs, integers and timestamps in PostgreSQL's binary format
 * (`binaryArray`, which falls back to the literal for a column holding a
 * value that format cannot state exactly), the texts as literal strings
 * (`arrayLiteral`).
 *
 * Each upsert takes its rows in a fixed order, so two consumers committing
 * overlapping batches lock rows in the same order; a deadlock is still
 * possible across tables and is retried by the caller.
 */
export const USAGE_INGEST_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
    $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::text[], $14::int[], $15::int[], $16::int[], $17::timestamptz[], $18::timestamptz[])
    AS e(request_id, tenant_id, api_key_id, team_id, environment, model, provider, deployment, prompt_tokens, completion_tokens, cost_micros,
      usage_source, outcome, http_status, latency_ms, time_to_first_token_ms, started_at, finished_at)
),
inserted AS (
  INSERT INTO usage_events (request_id, tenant_id, api_key_id, team_id, environment, model, provider, deployment, prompt_tokens,
    completion_tokens, cost_micros, usage_source, outcome, http_status, latency_ms, time_to_first_token_ms, started_at, finished_at)
  SELECT * FROM input
  ON CONFLICT (request_id, started_at) DO NOTHING
  RETURNING request_id, tenant_id, api_key_id, team_id, environment, model, prompt_tokens, completion_tokens, cost_micros, started_at
),
daily AS (
  INSERT INTO usage_daily AS d (day, tenant_id, api_key_id, team_id, model, environment, requests, prompt_tokens, completion_tokens, cost_micros)
  SELECT (started_at AT TIME ZONE 'UTC')::date, tenant_id, api_key_id, team_id, model, environment,
    count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_micros)
  FROM inserted GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2, 1, 3, 4, 5, 6
  ON CONFLICT ON CONSTRAINT usage_daily_dimensions DO UPDATE SET
    requests = d.requests + EXCLUDED.requests, prompt_tokens = d.prompt_tokens + EXCLUDED.prompt_tokens,
    completion_tokens = d.completion_tokens + EXCLUDED.completion_tokens, cost_micros = d.cost_micros + EXCLUDED.cost_micros
),
billed AS (
  SELECT i.*, t.last_reset_at, COALESCE(p.period_days, 30) AS period_days, COALESCE(p.billing_mode, 'postpaid') AS billing_mode
  FROM inserted i JOIN tenants t ON t.id = i.tenant_id LEFT JOIN plans p ON p.id = t.subscription_tier
),
period AS (
  INSERT INTO tenant_period_usage AS u (tenant_id, period_start, api_calls, ai_tokens, cost_micros)
  SELECT tenant_id,
    last_reset_at + make_interval(secs => floor(date_part('epoch', started_at - last_reset_at) / (period_days * 86400::float8)) * period_days * 86400::float8),
    count(*), sum(prompt_tokens + completion_tokens), sum(cost_micros)
  FROM billed GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (tenant_id, period_start) DO UPDATE SET
    api_calls = u.api_calls + EXCLUDED.api_calls, ai_tokens = u.ai_tokens + EXCLUDED.ai_tokens, cost_micros = u.cost_micros + EXCLUDED.cost_micros
),
debits AS (
  INSERT INTO credit_ledger (tenant_id, kind, amount_micros, request_id)
  SELECT tenant_id, 'usage', -cost_micros, request_id FROM billed
  WHERE billing_mode = 'prepaid' AND environment IN ('live', 'staging') AND cost_micros > 0 ORDER BY request_id
  ON CONFLICT (request_id) DO NOTHING
  RETURNING tenant_id, amount_micros
),
balances AS (
  INSERT INTO credit_balances AS b (tenant_id, balance_micros)
  SELECT tenant_id, sum(amount_micros) FROM debits GROUP BY 1 ORDER BY 1
  ON CONFLICT (tenant_id) DO UPDATE SET balance_micros = b.balance_micros + EXCLUDED.balance_micros, updated_at = now()
)
SELECT count(*)::int AS recorded FROM inserted`;

/**
 * The USAGE_INGEST_SQL statement's parameters: one array per column
 * (`INGEST_COLUMN_TYPES`), in its `unnest` order, one event per request id (the
 * first of the batch), sorted by request id so that two consumers inserting
 * overlapping batches (a claimed batch redelivered while its first consumer
 * still writes it) wait on each other's rows in the same order instead of
 * deadlocking.
 */
export function ingestColumns(batch: readonly UsageEventInput[]): Array<string | Buffer> {
  const unique = new Map<string, UsageEventInput>();
  for (const event of batch) if (!unique.has(event.request_id)) unique.set(event.request_id, event);
  const events = [...unique.values()].sort((a, b) => (a.request_id < b.request_id ? -1 : a.request_id > b.request_id ? 1 : 0));
  const n = events.length;
  const columns: Array<Array<string | number | null>> = Array.from({ length: 18 }, () => new Array<string | number | null>(n));
  for (let i = 0; i < n; i++) {
    const e = events[i];
    columns[0][i] = e.request_id;
    columns[1][i] = e.tenant_id;
    columns[2][i] = e.api_key_id;
    columns[3][i] = e.team_id;
    columns[4][i] = e.environment;
    columns[5][i] = e.model;
    columns[6][i] = e.provider;
    columns[7][i] = e.deployment;
    columns[8][i] = e.prompt_tokens;
    columns[9][i] = e.completion_tokens;
    columns[10][i] = e.cost_micros;
    columns[11][i] = e.usage_source;
    columns[12][i] = e.outcome;
    columns[13][i] = e.http_status;
    columns[14][i] = e.latency_ms;
    columns[15][i] = e.time_to_first_token_ms;
    columns[16][i] = e.started_at;
    columns[17][i] = e.finished_at;
  }
  return columns.map((values, i) => {
    const type = INGEST_COLUMN_TYPES[i];
    return type === 'text' ? arrayLiteral(values) : binaryArray(type, values);
  });
}

/** The element type of each of USAGE_INGEST_SQL's arrays, in its `unnest` order (`int8` is `bigint`, `int4` is `int`). */
const INGEST_COLUMN_TYPES: ReadonlyArray<BinaryElementType | 'text'> = [
  'text', 'uuid', 'uuid', 'uuid', 'text', 'text', 'text', 'text',
  'int8', 'int8', 'int8', 'text', 'text', 'int4', 'int4', 'int4', 'timestamptz', 'timestamptz',
];

export class UsageLedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a batch (see USAGE_INGEST_SQL); resolves to how many events were new. */
  async ingest(tx: Transaction, events: UsageEventInput[]): Promise<number> {
    if (events.length === 0) return 0;
    const row = await queryOne<{ recorded: number }>(tx, USAGE_INGEST_SQL, ingestColumns(events));
    return row?.recorded ?? 0;
  }

  /** Usage of a tenant from its daily rollups, `from` to `to` inclusive (UTC days), optionally of one key. */
  usage(tenantId: string, range: { from: string; to: string; apiKeyId?: string }, groupBy: UsageGroupBy, db: Reader = this.dataSource): Promise<UsageTotalsRow[]> {
    const params: unknown[] = [tenantId, range.from, range.to];
    let keyFilter = '';
    if (range.apiKeyId) {
      params.push(range.apiKeyId);
      keyFilter = `AND d.api_key_id = $${params.length}`;
    }
    const named = GROUP_NAMES[groupBy];
    return query<UsageTotalsRow>(
      db,
      `SELECT ${GROUP_COLUMNS[groupBy]} AS "group", ${named ? `min(${named.column}) AS name, ` : ''}sum(d.requests)::text AS requests,
              sum(d.prompt_tokens)::text AS prompt_tokens, sum(d.completion_tokens)::text AS completion_tokens, sum(d.cost_micros)::text AS cost_micros
       FROM usage_daily d ${named?.join ?? ''}
       WHERE d.tenant_id = $1 AND d.day BETWEEN $2::date AND $3::date ${keyFilter}
       GROUP BY 1 ORDER BY 1 NULLS LAST`,
      params,
    );
  }

  /** `periodUsage` of several tenants in one query, each in its own period; only tenants with usage in theirs have a row. */
  periodUsages(periods: ReadonlyArray<{ tenantId: string; periodStart: Date }>, db: Reader = this.dataSource): Promise<Array<PeriodUsageRow & { tenant_id: string }>> {
    return query<PeriodUsageRow & { tenant_id: string }>(
      db,
      `SELECT u.tenant_id, u.api_calls::text, u.ai_tokens::text, u.cost_micros::text
       FROM unnest($1::uuid[], $2::timestamptz[]) AS p(tenant_id, period_start) JOIN tenant_period_usage u ON u.tenant_id = p.tenant_id AND u.period_start = p.period_start`,
      [periods.map((period) => period.tenantId), periods.map((period) => period.periodStart)],
    );
  }

  /** What a tenant used in the quota period starting at `periodStart` (zeros before its first request). */
  async periodUsage(tenantId: string, periodStart: Date, db: Reader = this.dataSource): Promise<PeriodUsageRow> {
    const row = await queryOne<PeriodUsageRow>(
      db,
      `SELECT api_calls::text, ai_tokens::text, cost_micros::text FROM tenant_period_usage WHERE tenant_id = $1 AND period_start = $2`,
      [tenantId, periodStart],
    );
    return row ?? { api_calls: '0', ai_tokens: '0', cost_micros: '0' };
  }
}
