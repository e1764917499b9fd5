/**
 * `npm run bench:metering`: how fast the control plane ingests usage events
 * from the Redis stream into PostgreSQL (target in bench/README.md: at least
 * 100,000 events/s end to end), and how fast the usage ledger's write alone
 * goes, today's beside the previous one in the same run (`ledger-write.ts`;
 * target 100,000 events/s). Seeds `BENCH_METERING_EVENTS` (default 50,000) usage events, as
 * the gateway writes them, into a private key prefix of the test Redis and a
 * fresh, migrated database with ten tenants (half prepaid, so ledger debits
 * are part of the work); then starts the built control plane
 * (`dist/apps/control-plane/main.js`, built by the npm script) on them and
 * times its consumer from the first event recorded to the last, polling its
 * Prometheus counter. Prints events/s, the process's CPU time per event, the
 * CPU of the PostgreSQL backends serving its database per event, and
 * whether the ledger holds every event exactly once; then stops the process
 * (SIGTERM) and drops the database and the keys.
 *
 * Next to it, the other half of a request's Redis cost: the admission and
 * settlement scripts' round trips and server time per request, with every
 * limit on, on a private redis-server (`admission-cost.ts`).
 *
 * With `BENCH_METERING_BEFORE=<main.js>` (a control plane built from an
 * earlier commit, e.g. copied to `dist/before/control-plane/`), that build
 * consumes the same stream beside today's, in turns over
 * `BENCH_METERING_ROUNDS` rounds (default 1), each on a fresh database and
 * prefix. `BENCH_CPU_PROFILE_DIR` writes each control plane's V8 CPU profile
 * there (summarise with `cpu-profile-summary.ts`).
 *
 * After the ledger writes, PostgreSQL's own CPU per event in the ledger
 * statement and its parts (`ledger-pg-cost.ts`, `BENCH_LEDGER_PG_BATCHES`
 * batches per statement, default 20).
 *
 * Environment: `BENCH_METERING_EVENTS`, `BENCH_LEDGER_EVENTS` (default 100,000), `BENCH_METERING_BATCH` (becomes
 * `METERING_BATCH_SIZE`, default 1,000), `BENCH_ADMISSION_WAVES` (default 150
 * waves of 32 requests), `TEST_DATABASE_URL`, `TEST_REDIS_URL`.
 */
import { RedisKeys, type UsageEventV1 } from '@sluice/contracts';
import { dataSourceOptions, migrateDatabase } from '@sluice/control-plane/data-access';
import { databaseUrl, deleteKeysWithPrefix, dropDatabase, freePort, TEST_REDIS_URL, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { measureAdmissionCost, printAdmissionCost } from './admission-cost';
import { measureLedgerPgCost, printLedgerPgCost } from './ledger-pg-cost';
import { measureLedgerWrites, type LedgerWriteResult } from './ledger-write';

const TOTAL = Number(process.env['BENCH_METERING_EVENTS'] ?? 50_000);
const BATCH = Number(process.env['BENCH_METERING_BATCH'] ?? 1_000);
const TARGET_PER_SECOND = 100_000;
const CURRENT = 'dist/apps/control-plane/main.js';
const BEFORE = process.env['BENCH_METERING_BEFORE'];
const ROUNDS = Math.max(1, Number(process.env['BENCH_METERING_ROUNDS'] ?? 1));
const CPU_PROFILE_DIR = process.env['BENCH_CPU_PROFILE_DIR'];
const SEED_PIPELINE = 2_000;
const CLOCK_TICKS_PER_SECOND = 100;
const SCRAPE_INTERVAL_MS = 250;
const SPAN_DAYS = 60;
const LEDGER_EVENTS = Number(process.env['BENCH_LEDGER_EVENTS'] ?? 100_000);
const LEDGER_TARGET_PER_SECOND = 100_000;
const LEDGER_PG_BATCHES = Number(process.env['BENCH_LEDGER_PG_BATCHES'] ?? 20);
const ADMISSION_WAVES = Number(process.env['BENCH_ADMISSION_WAVES'] ?? 150);

function* events(tenantIds: string[], total = TOTAL): Generator<UsageEventV1> {
  const keys = Array.from({ length: 20 }, () => randomUUID());
  const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'mock-fast', 'mock-slow'];
  // Sixty days back to now: the events fall in two or three monthly partitions.
  const start = Date.now() - SPAN_DAYS * 86_400_000;
  for (let i = 0; i < total; i++) {
    const startedAt = new Date(start + Math.floor((i / total) * SPAN_DAYS * 86_400_000));
    yield {
      v: 1,
      request_id: `bench-${i}-${randomUUID()}`,
      tenant_id: tenantIds[i % tenantIds.length],
      api_key_id: keys[i % keys.length],
      team_id: i % 3 === 0 ? null : keys[(i + 1) % keys.length],
      environment: i % 4 === 0 ? 'test' : 'live',
      model: models[i % models.length],
      provider: 'mock',
      deployment: null,
      prompt_tokens: 100 + (i % 50),
      completion_tokens: 200 + (i % 70),
      cost_micros: 1_000 + (i % 300),
      usage_source: 'provider',
      outcome: 'completed',
      http_status: 200,
      latency_ms: 120,
      time_to_first_token_ms: 30,
      started_at: startedAt.toISOString(),
      finished_at: new Date(startedAt.getTime() + 120).toISOString(),
    };
  }
}

async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `sluice_bench_metering_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrl(name);
  await migrateDatabase(url);
  return { name, url };
}

interface ConsumerRun {
  label: string;
  measured: number;
  seconds: number;
  cpuMicros: number;
  /** CPU of the PostgreSQL backends serving the bench's database over the same window (every statement of the consumer's transactions). */
  pgCpuMicros: number;
  loadAverage: number;
  exact: boolean;
  check: { events: number; rollup: number; period: number; debits: number };
}

/** One control plane build (`main`, a built `main.js`) consuming the seeded stream of a fresh database and prefix. */
async function measureConsumer(label: string, main: string): Promise<ConsumerRun> {
  const database = await createDatabase();
  const prefix = `sluice-bench:metering:${randomUUID().slice(0, 8)}:`;
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
  const dataSource = await new DataSource(dataSourceOptions(database.url, 2)).initialize();
  let child: ChildProcess | undefined;
  try {
    // Ten tenants: half on a prepaid plan (ledger debits), half postpaid.
    const tenantIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      const [row] = (await dataSource.query(`INSERT INTO tenants (name, slug, status, subscription_tier) VALUES ($1, $2, 'active', $3) RETURNING id`, [
        `Bench ${i}`,
        `bench-${i}`,
        i % 2 === 0 ? 'prepaid' : 'free',
      ])) as Array<{ id: string }>;
      tenantIds.push(row.id);
    }

    const seedStart = performance.now();
    let pipeline = redis.pipeline();
    let queued = 0;
    for (const event of events(tenantIds)) {
      pipeline.xadd(RedisKeys.usageStream(), '*', 'event', JSON.stringify(event));
      if (++queued % SEED_PIPELINE === 0) {
        await pipeline.exec();
        pipeline = redis.pipeline();
      }
    }
    await pipeline.exec();
    console.log(`${label}: seeded ${TOTAL.toLocaleString('en')} events into the stream in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const metricsPort = await freePort();
    child = startControlPlane(main, database.url, prefix, port, metricsPort, label);
    const processed = () => recordedCount(metricsPort);
    await waitUntil(async () => (await processed()) > 0, 60_000, 'the control plane to start consuming');
    const firstSeen = await processed();
    const pgBefore = await backendsCpu(dataSource, database.name);
    const cpuBefore = cpuMicros(child);
    const start = performance.now();
    let recorded = firstSeen;
    // Polled sparingly: each scrape costs the process under test some CPU.
    while (recorded < TOTAL) {
      await new Promise((resolve) => setTimeout(resolve, SCRAPE_INTERVAL_MS));
      recorded = await processed();
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = cpuMicros(child) - cpuBefore;
    const pgAfter = await backendsCpu(dataSource, database.name);
    let pgCpu = 0;
    // A backend that connected during the window counts from zero; one gone before its end is lost (the pool keeps its connections).
    for (const [pid, micros] of pgAfter) pgCpu += micros - (pgBefore.get(pid) ?? 0);
    const loadAverage = loadavg()[0];

    const [check] = (await dataSource.query(
      `SELECT (SELECT count(*) FROM usage_events)::int AS events, (SELECT sum(requests) FROM usage_daily)::int AS rollup,
              (SELECT sum(api_calls) FROM tenant_period_usage)::int AS period, (SELECT count(*) FROM credit_ledger)::int AS debits`,
    )) as Array<{ events: number; rollup: number; period: number; debits: number }>;
    const expectedDebits = [...Array(TOTAL).keys()].filter((i) => i % 4 !== 0 && (i % 10) % 2 === 0).length;
    const exact = check.events === TOTAL && check.rollup === TOTAL && check.period === TOTAL && check.debits === expectedDebits;
    return { label, measured: TOTAL - firstSeen, seconds, cpuMicros: cpu, pgCpuMicros: pgCpu, loadAverage, exact, check: { ...check, debits: check.debits } };
  } finally {
    if (child) await stop(child);
    await dataSource.destroy();
    redis.disconnect();
    await deleteKeysWithPrefix(prefix);
    await dropDatabase(database.name);
  }
}

function printConsumerRun(run: ConsumerRun): void {
  const rate = run.measured / run.seconds;
  console.log(`  ${run.label.padEnd(9)} ${run.measured.toLocaleString('en')} events in ${run.seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString('en').padStart(7)} events/s, ` +
    `control-plane CPU ${(run.cpuMicros / run.measured).toFixed(1)} µs per event, PostgreSQL ${(run.pgCpuMicros / run.measured).toFixed(1)} µs, load average ${run.loadAverage.toFixed(2)}, ` +
    `ledger exact: ${run.exact ? 'yes' : 'NO'} (events ${run.check.events}, rollup ${run.check.rollup}, period ${run.check.period}, debits ${run.check.debits})`);
}

async function main(): Promise<void> {
  const admissionCost = await measureAdmissionCost(ADMISSION_WAVES);
  const ledgerWrites = await measureLedgerWrites(LEDGER_EVENTS, BATCH, events);
  const ledgerPgCost = await measureLedgerPgCost(LEDGER_PG_BATCHES, BATCH, events);
  const runs: ConsumerRun[] = [];
  // Old and new in turns (old first in odd rounds, new first in even ones), so that a swing of the machine's load falls on both.
  for (let round = 0; round < ROUNDS; round++) {
    const builds = BEFORE ? [['previous', BEFORE], ['current', CURRENT]] : [['current', CURRENT]];
    if (round % 2 === 1) builds.reverse();
    for (const [label, main] of builds) runs.push(await measureConsumer(label, main));
  }
  console.log(`\nusage ingestion (batch ${BATCH}; target >= ${TARGET_PER_SECOND.toLocaleString('en')}/s; CPU is the control plane's own, the rest is PostgreSQL and Redis):`);
  for (const run of runs) printConsumerRun(run);
  const total = (label: string) =>
    runs.filter((run) => run.label === label).reduce((sum, run) => ({ measured: sum.measured + run.measured, seconds: sum.seconds + run.seconds, cpu: sum.cpu + run.cpuMicros, pg: sum.pg + run.pgCpuMicros }), { measured: 0, seconds: 0, cpu: 0, pg: 0 });
  const current = total('current');
  const currentRate = current.measured / current.seconds;
  console.log(`  current   ${Math.round(currentRate).toLocaleString('en')} events/s over ${ROUNDS} round(s), ${(current.cpu / current.measured).toFixed(1)} µs CPU per event, PostgreSQL ${(current.pg / current.measured).toFixed(1)} µs (target: ${currentRate >= TARGET_PER_SECOND ? 'met' : 'NOT met'})`);
  if (BEFORE) {
    const previous = total('previous');
    console.log(`  previous  ${Math.round(previous.measured / previous.seconds).toLocaleString('en')} events/s, ${(previous.cpu / previous.measured).toFixed(1)} µs CPU per event, PostgreSQL ${(previous.pg / previous.measured).toFixed(1)} µs; ratio ${(currentRate / (previous.measured / previous.seconds)).toFixed(2)}x events/s, ${(previous.cpu / previous.measured / (current.cpu / current.measured)).toFixed(2)}x less CPU per event, ${(previous.pg / previous.measured / (current.pg / current.measured)).toFixed(2)}x less PostgreSQL CPU`);
  }
  printLedgerWrites(ledgerWrites);
  printLedgerPgCost(ledgerPgCost);
  printAdmissionCost(admissionCost);
  if (runs.some((run) => !run.exact) || !ledgerWrites.previous.exact || !ledgerWrites.current.exact || !ledgerWrites.parallel.exact) process.exitCode = 1;
}

function printLedgerWrites({ events, batch, previous, current, parallel, loadAverage }: LedgerWriteResult): void {
  const line = (name: string, side: LedgerWriteResult['current']) =>
    `  ${name.padEnd(9)} ${Math.round(side.eventsPerSecond).toLocaleString('en').padStart(9)} events/s (${side.seconds.toFixed(2)} s), ledger exact: ${side.exact ? 'yes' : 'NO'}`;
  console.log(`\nusage ledger writes alone (${events.toLocaleString('en')} events in batches of ${batch}, alternating, load average ${loadAverage.toFixed(2)}):`);
  console.log(line('previous', previous) + ' (one JSON document per batch, unpartitioned usage_events)');
  console.log(line('current', current) + ` (column arrays, monthly partitions; target >= ${LEDGER_TARGET_PER_SECOND.toLocaleString('en')}/s: ${current.eventsPerSecond >= LEDGER_TARGET_PER_SECOND ? 'met' : 'NOT met'})`);
  console.log(line('2 writers', parallel) + ' (the same, two connections at once, split by tenant: METERING_WRITERS=2, the default)');
  console.log(`  ratio    ${(current.eventsPerSecond / previous.eventsPerSecond).toFixed(2)}x one writer, ${(parallel.eventsPerSecond / previous.eventsPerSecond).toFixed(2)}x two writers`);
}
/** The built control plane on the bench's database and prefix, consuming as in production. */
function startControlPlane(main: string, url: string, prefix: string, port: number, metricsPort: number, label: string): ChildProcess {
  const profile = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`, `--cpu-prof-name=control-plane-${label}-${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...profile, main], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      CONTROL_PLANE_PORT: String(port),
      CONTROL_PLANE_HOST: '127.0.0.1',
      CONTROL_PLANE_METRICS_PORT: String(metricsPort),
      DATABASE_URL: url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      MIGRATE_ON_START: 'false',
      SLUICE_ADMIN_EMAIL: 'bench@sluice.test',
      SLUICE_ADMIN_PASSWORD: 'bench-password-not-secret',
      METERING_BATCH_SIZE: String(BATCH),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`control plane exited with ${code}`);
  });
  return child;
}

/** `sluice_usage_events_processed_total{outcome="recorded"}` from the process's /metrics (its metrics port); 0 until it answers. */
async function recordedCount(metricsPort: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const match = /^sluice_usage_events_processed_total\{outcome="recorded"[^}]*\} (\d+)/m.exec(text);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU of each PostgreSQL backend connected to the database so far, by pid (the test server runs on this machine). */
async function backendsCpu(dataSource: DataSource, database: string): Promise<Map<number, number>> {
  const rows = (await dataSource.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database])) as Array<{ pid: number }>;
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, processCpuMicros(pid));
    } catch {
      // Gone between the query and the read.
    }
  }
  return cpu;
}

/** User + system CPU of a child process so far, from /proc (Linux). */
function cpuMicros(child: ChildProcess): number {
  return processCpuMicros(child.pid as number);
}

function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat; after the command name, indexes 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
