/**
 * The usage ledger's write path alone, today's beside the previous one
 * (`metering-baselines.ts`), in the same run: the same events, in batches of
 * the consumer's size, each batch in its own transaction as the consumer's
 * writer runs it, batches of the two alternating so that a swing of the
 * machine's load falls on both. Each side has a fresh database of its own:
 * the previous one migrated up to just before partitioning, today's fully.
 * Times only the writes (parsing the stream and validation are the
 * consumer's, measured end to end by `metering.ts`). A third side writes
 * today's way on two connections at once, as the consumer's writer does.
 */
import type { UsageEventV1 } from '@sluice/contracts';
import { dataSourceOptions, MIGRATIONS, runMigrations, UnitOfWork, UsageLedgerRepository, type UsageEventInput } from '@sluice/control-plane/data-access';
import { databaseUrl, dropDatabase } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { previousIngest } from './metering-baselines';

export interface LedgerWriteSide {
  seconds: number;
  eventsPerSecond: number;
  exact: boolean;
}

export interface LedgerWriteResult {
  events: number;
  batch: number;
  previous: LedgerWriteSide;
  current: LedgerWriteSide;
  /** Today's write on two connections at once, split by tenant (METERING_WRITERS=2). */
  parallel: LedgerWriteSide;
  loadAverage: number;
}

interface Side {
  name: string;
  dataSource: DataSource;
  write(events: UsageEventInput[]): Promise<number>;
  seconds: number;
}

export async function measureLedgerWrites(total: number, batch: number, makeEvents: (tenantIds: string[], total: number) => Iterable<UsageEventV1>): Promise<LedgerWriteResult> {
  const previousIndex = MIGRATIONS.findIndex((migration) => migration.name === 'PartitionUsageEvents1764800000000');
  const previous = await openSide('previous', MIGRATIONS.slice(0, previousIndex));
  const current = await openSide('current', MIGRATIONS);
  const parallel = await openSide('parallel', MIGRATIONS);
  try {
    const ledger = new UsageLedgerRepository(current.dataSource);
    const unitOfWork = new UnitOfWork(current.dataSource);
    const parallelLedger = new UsageLedgerRepository(parallel.dataSource);
    const parallelUnitOfWork = new UnitOfWork(parallel.dataSource);
    const sides: Side[] = [
      { name: previous.name, dataSource: previous.dataSource, write: (events) => previousIngest(previous.dataSource, events), seconds: 0 },
      { name: current.name, dataSource: current.dataSource, write: (events) => unitOfWork.run((tx) => ledger.ingest(tx, events)), seconds: 0 },
      { name: parallel.name, dataSource: parallel.dataSource, write: (events) => writeInParallel(parallelLedger, parallelUnitOfWork, events, tenantIds), seconds: 0 },
    ];
    // The same tenants (ids and plans) in both databases, so that both sides do the same work.
    const tenantIds = Array.from({ length: 10 }, () => randomUUID());
    for (const side of sides) {
      for (const [i, id] of tenantIds.entries()) {
        await side.dataSource.query(`INSERT INTO tenants (id, name, slug, status, subscription_tier) VALUES ($1, $2::text, $2::text, 'active', $3)`, [id, `bench-${i}`, i % 2 === 0 ? 'prepaid' : 'basic']);
      }
    }
    const all = [...makeEvents(tenantIds, total)].map(({ v: _v, ...event }) => event);
    const batches: UsageEventInput[][] = [];
    for (let i = 0; i < all.length; i += batch) batches.push(all.slice(i, i + batch));
    // A warm-up batch each (connections, plans, caches), not timed and not counted.
    for (const side of sides) await side.write(batches[0]);
    for (const events of batches.slice(1)) {
      for (const side of sides) {
        const start = performance.now();
        await side.write(events);
        side.seconds += (performance.now() - start) / 1000;
      }
    }
    const timed = all.length - batches[0].length;
    const result = async (side: Side): Promise<LedgerWriteSide> => ({
      seconds: side.seconds,
      eventsPerSecond: timed / side.seconds,
      exact: await isExact(side.dataSource, all, tenantIds),
    });
    return { events: timed, batch, previous: await result(sides[0]), current: await result(sides[1]), parallel: await result(sides[2]), loadAverage: loadavg()[0] };
  } finally {
    await previous.close();
    await current.close();
    await parallel.close();
  }
}

/**
 * What the consumer's writer does with `METERING_WRITERS=2` (its default,
 * `apps/control-plane/src/metering/ledger-batch-writer.ts`): two transactions
 * on two connections at once, split by tenant so that they never wait on each
 * other's rollup, period or balance rows.
 */
async function writeInParallel(ledger: UsageLedgerRepository, unitOfWork: UnitOfWork, events: UsageEventInput[], tenantIds: string[]): Promise<number> {
  const halves: UsageEventInput[][] = [[], []];
  for (const event of events) halves[tenantIds.indexOf(event.tenant_id) % 2].push(event);
  const recorded = await Promise.all(halves.map((half) => unitOfWork.run((tx) => ledger.ingest(tx, half))));
  return recorded[0] + recorded[1];
}

/** Every event once in the events, the daily rollup, the period usage; one debit per prepaid live event with a cost. */
async function isExact(dataSource: DataSource, events: UsageEventInput[], tenantIds: string[]): Promise<boolean> {
  const prepaid = new Set(tenantIds.filter((_, i) => i % 2 === 0));
  const debits = events.filter((e) => prepaid.has(e.tenant_id) && e.environment !== 'test' && e.cost_micros > 0).length;
  const [check] = (await dataSource.query(
    `SELECT (SELECT count(*) FROM usage_events)::int AS events, (SELECT sum(requests) FROM usage_daily)::int AS rollup,
            (SELECT sum(api_calls) FROM tenant_period_usage)::int AS period, (SELECT count(*) FROM credit_ledger)::int AS debits`,
  )) as Array<{ events: number; rollup: number; period: number; debits: number }>;
  return check.events === events.length && check.rollup === events.length && check.period === events.length && check.debits === debits;
}

async function openSide(name: string, migrations: typeof MIGRATIONS): Promise<{ name: string; dataSource: DataSource; close(): Promise<void> }> {
  const database = `sluice_bench_ledger_${name}_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const dataSource = await new DataSource({ ...dataSourceOptions(databaseUrl(database), 4), migrations }).initialize();
  await runMigrations(dataSource);
  return {
    name,
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await dropDatabase(database);
    },
  };
}
