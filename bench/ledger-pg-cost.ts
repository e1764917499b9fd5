/**
 * PostgreSQL's own CPU per usage event in the ledger statement, and its parts
 * (`bench:metering` prints it after the ledger writes): the backend's CPU time
 * from /proc (the test server runs on this machine; `pg_stat_statements` is
 * not loaded there) around `batches` transactions of `batch` events for each
 * of three statements, in turns: the `unnest` of the 18 column arrays alone,
 * the same with the insert into `usage_events` (its `ON CONFLICT` arbiter and
 * partition routing), and the whole `USAGE_INGEST_SQL` (rollups, debits,
 * balances); the first and the last also with the arrays as session 7 sent
 * them, every one a text literal (`previousIngestColumns`). Each on a fresh,
 * migrated database with ten tenants, half prepaid.
 */
import type { UsageEventV1 } from '@sluice/contracts';
import { ingestColumns, migrateDatabase, USAGE_INGEST_SQL, type UsageEventInput } from '@sluice/control-plane/data-access';
import { databaseUrl, dropDatabase } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { previousIngestColumns } from './metering-baselines';

export interface LedgerPgCost {
  events: number;
  /** Backend CPU µs per event, by statement. */
  unnest: number;
  insert: number;
  statement: number;
  /** The same with every array a text literal, as in session 7. */
  previousUnnest: number;
  previousStatement: number;
  loadAverage: number;
}

/** The statement's `unnest` of the arrays, and the statement cut after its insert into `usage_events`. */
function parts(): { unnest: string; insert: string } {
  const input = /WITH input AS \(([\s\S]*?)\),\s*inserted AS/.exec(USAGE_INGEST_SQL);
  const daily = USAGE_INGEST_SQL.indexOf('daily AS (');
  if (!input || daily < 0) throw new Error('ledger-pg-cost: USAGE_INGEST_SQL no longer has the shape this bench cuts');
  return {
    unnest: `SELECT count(*) FROM (${input[1]}) AS batch`,
    insert: `${USAGE_INGEST_SQL.slice(0, daily).replace(/,\s*$/, '')}\nSELECT count(*)::int FROM inserted`,
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

function backendCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

export async function measureLedgerPgCost(
  batches: number,
  batch: number,
  makeEvents: (tenantIds: string[], total: number) => Iterable<UsageEventV1>,
): Promise<LedgerPgCost> {
  const name = `sluice_bench_ledger_pg_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  await migrateDatabase(databaseUrl(name));
  const client = new Client({ connectionString: databaseUrl(name) });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0].pid;
    const tenantIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      const inserted = await client.query<{ id: string }>(`INSERT INTO tenants (name, slug, status, subscription_tier) VALUES ($1::text, $1::text, 'active', $2) RETURNING id`, [
        `bench-${i}`,
        i % 2 === 0 ? 'prepaid' : 'free',
      ]);
      tenantIds.push(inserted.rows[0].id);
    }
    // Every statement gets events of its own (one warm-up batch each, not counted), so that each insert is new.
    const all = [...makeEvents(tenantIds, (batches + 1) * batch * 5)].map(({ v: _v, ...event }): UsageEventInput => event);
    const { unnest, insert } = parts();
    const statements: Array<[string, (events: UsageEventInput[]) => unknown[]]> = [
      [unnest, previousIngestColumns],
      [unnest, ingestColumns],
      [insert, ingestColumns],
      [USAGE_INGEST_SQL, previousIngestColumns],
      [USAGE_INGEST_SQL, ingestColumns],
    ];
    const cpu = statements.map(() => 0);
    let next = 0;
    for (let round = 0; round <= batches; round++) {
      for (const [index, [sql, columnsOf]] of statements.entries()) {
        const columns = columnsOf(all.slice(next, next + batch));
        next += batch;
        const before = backendCpuMicros(pid);
        await client.query('BEGIN');
        await client.query(sql, columns);
        await client.query('COMMIT');
        if (round > 0) cpu[index] += backendCpuMicros(pid) - before;
      }
    }
    const events = batches * batch;
    const [previousUnnest, unnestNow, insertNow, previousStatement, statement] = cpu.map((micros) => micros / events);
    return { events, unnest: unnestNow, insert: insertNow, statement, previousUnnest, previousStatement, loadAverage: loadavg()[0] };
  } finally {
    await client.end();
    await dropDatabase(name);
  }
}

export function printLedgerPgCost(cost: LedgerPgCost): void {
  console.log(`\nPostgreSQL backend CPU per event in the ledger statement (${cost.events.toLocaleString('en')} events per statement, load average ${cost.loadAverage.toFixed(2)}):`);
  console.log(`  unnest of the 18 arrays alone       ${cost.unnest.toFixed(1)} µs (session 7's text literals: ${cost.previousUnnest.toFixed(1)} µs)`);
  console.log(`  + insert into usage_events          ${cost.insert.toFixed(1)} µs (${(cost.insert - cost.unnest).toFixed(1)} µs the insert)`);
  console.log(`  whole statement (rollups, debits)   ${cost.statement.toFixed(1)} µs (${(cost.statement - cost.insert).toFixed(1)} µs after the insert; session 7's text literals: ${cost.previousStatement.toFixed(1)} µs)`);
}
