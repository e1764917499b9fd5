/**
 * What `bench:metering` compares the usage ledger's write path against in
 * the same run, so that a busy machine slows both sides alike:
 * `previousIngest`, the write before partitioning, verbatim: the batch as one
 * JSON document (`jsonb_to_recordset`) into the unpartitioned `usage_events`
 * (primary key `request_id`), on a database migrated up to just before
 * `PartitionUsageEvents1764800000000`; and `previousIngestColumns`, today's
 * statement's parameters as session 7 built them: every column an array
 * literal, none binary.
 */
import { arrayLiteral, type UsageEventInput } from '@sluice/control-plane/data-access';
import type { DataSource } from 'typeorm';

const PREVIOUS_INGEST = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(
    request_id text, tenant_id uuid, api_key_id uuid, team_id uuid, environment text, model text, provider text, deployment text,
    prompt_tokens bigint, completion_tokens bigint, cost_micros bigint, usage_source text, outcome text, http_status int,
    latency_ms int, time_to_first_token_ms int, started_at timestamptz, finished_at timestamptz)
),
inserted AS (
  INSERT INTO usage_events (request_id, tenant_id, api_key_id, team_id, environment, model, provider, deployment, prompt_tokens,
    completion_tokens, cost_micros, usage_source, outcome, http_status, latency_ms, time_to_first_token_ms, started_at, finished_at)
  SELECT request_id, tenant_id, api_key_id, team_id, environment, model, provider, deployment, prompt_tokens,
    completion_tokens, cost_micros, usage_source, outcome, http_status, latency_ms, time_to_first_token_ms, started_at, finished_at
  FROM input ORDER BY request_id
  ON CONFLICT (request_id) DO NOTHING
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
    last_reset_at + make_interval(secs => floor(extract(epoch FROM started_at - last_reset_at) / (period_days * 86400.0)) * period_days * 86400),
    count(*), sum(prompt_tokens + completion_tokens), sum(cost_micros)
  FROM billed GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (tenant_id, period_start) DO UPDATE SET
    api_calls = u.api_calls + EXCLUDED.api_calls, ai_tokens = u.ai_tokens + EXCLUDED.ai_tokens, cost_micros = u.cost_micros + EXCLUDED.cost_micros
),
debits AS (
  INSERT INTO credit_ledger (tenant_id, kind, amount_micros, request_id)
  SELECT tenant_id, 'usage', -cost_micros, request_id FROM billed
  WHERE billing_mode = 'prepaid' AND environment IN ('live', 'staging') AND cost_micros > 0 ORDER BY request_id
  RETURNING tenant_id, amount_micros
),
balances AS (
  INSERT INTO credit_balances AS b (tenant_id, balance_micros)
  SELECT tenant_id, sum(amount_micros) FROM debits GROUP BY 1 ORDER BY 1
  ON CONFLICT (tenant_id) DO UPDATE SET balance_micros = b.balance_micros + EXCLUDED.balance_micros, updated_at = now()
)
SELECT count(*)::int AS recorded FROM inserted`;


/** One batch the previous way, in its own transaction as the consumer's writer runs it; resolves to how many were new. */
export async function previousIngest(dataSource: DataSource, events: UsageEventInput[]): Promise<number> {
  return dataSource.transaction(async (manager) => {
    const [row] = (await manager.query(PREVIOUS_INGEST, [JSON.stringify(events)])) as Array<{ recorded: number }>;
    return row.recorded;
  });
}

/** `ingestColumns` before the binary arrays, verbatim: one array literal per column, one event per request id, sorted by request id. */
export function previousIngestColumns(batch: readonly UsageEventInput[]): string[] {
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
  return columns.map(arrayLiteral);
}
