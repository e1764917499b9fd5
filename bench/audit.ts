/**
 * `npm run bench:audit`: seeds one tenant chain of 1,000,000 audit events (real
 * hashes, bulk-inserted), then verifies it from the database as the API and the
 * CLI do, twice in the same run and on the same data: with the single-threaded
 * verifier (`verifyChainInThread`, the reference) and with the threaded one
 * (`verifyChain`: the reading thread streams the COPY, a pool of hashing
 * threads checks the batches). Target (bench/README.md): at least 250,000
 * events/s with the threads, memory flat.
 *
 * The machine is shared, so absolute rates swing with its load: the two run in
 * turns (new, old; then old, new in a second round, ...) and the bench prints
 * their ratio, the load average, the CPU time per event of the whole process
 * (every thread) and of the PostgreSQL backend serving the COPY, and where the
 * time goes: the COPY read alone (no hashing) and the hashing alone (in memory,
 * one thread). Memory: live heap after a full GC and peak RSS (threads
 * included) after 100k events and at the end of each verifier.
 *
 * Environment: `BENCH_AUDIT_EVENTS` (default 1,000,000), `BENCH_AUDIT_ROUNDS`
 * (default 1), `BENCH_AUDIT_THREADS` (hashing threads, default one per CPU),
 * `BENCH_AUDIT_BATCH` (events per batch, default the verifier's),
 * `BENCH_AUDIT_PROFILE_EVENTS` (events the read-only and hash-only profile run
 * on, default 200,000), `BENCH_AUDIT_BASELINE_WORKER` (a `chain-hash-worker.js`
 * built from an earlier commit: adds a third side, the threaded verifier as it
 * was then, with that worker; docs/decisions.md, "Audit verification throughput,
 * session 8", says how to build it), `BENCH_AUDIT_DATABASE` (keep and reuse that database:
 * seeded on the first run, so later runs skip the minute of seeding; otherwise
 * a throw-away database is dropped afterwards). Uses the test server
 * (`TEST_DATABASE_URL`).
 */
import {
  AuditRepository,
  CHAIN_BATCH_SIZE,
  ChainHashPool,
  dataSourceOptions,
  defaultHashThreads,
  hashAuditEvent,
  migrateDatabase,
  verifyChain,
  verifyChainInThread,
  type ChainVerification,
  type UnhashedAuditEvent,
  type VerifyProgress,
} from '@sluice/control-plane/data-access';
import { databaseUrl, dropDatabase } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { batchesInMemory, copyBackendCpu, hashEach, hashOnly, readOnly } from './audit-baselines';
import { previousHashAuditEvent } from './audit-hash-baseline';

const TOTAL = Number(process.env['BENCH_AUDIT_EVENTS'] ?? 1_000_000);
const CHECKPOINT = Math.min(100_000, TOTAL);
const ROUNDS = Math.max(1, Number(process.env['BENCH_AUDIT_ROUNDS'] ?? 1));
const THREADS = Number(process.env['BENCH_AUDIT_THREADS'] ?? defaultHashThreads());
const BATCH = Number(process.env['BENCH_AUDIT_BATCH'] ?? CHAIN_BATCH_SIZE);
const PROFILE = Math.min(Number(process.env['BENCH_AUDIT_PROFILE_EVENTS'] ?? 200_000), TOTAL);
const KEPT_DATABASE = process.env['BENCH_AUDIT_DATABASE'];
const BASELINE_WORKER = process.env['BENCH_AUDIT_BASELINE_WORKER'];
/** The hashing threads' code as production runs it (the npm script builds the control plane first), not its TypeScript source under ts-node. */
const WORKER_FILE = 'dist/apps/control-plane/chain-hash-worker.js';
/** The chain of a kept database: fixed, so a later run finds it. */
const KEPT_TENANT = '5ee0be4c-0000-4000-8000-00000000a0d1';
const TARGET_PER_SECOND = 250_000;
const INSERT_BATCH = 10_000;
function* events(tenantId: string): Generator<UnhashedAuditEvent & { hash: string }> {
  let prevHash: string | null = null;
  const start = Date.UTC(2026, 0, 1);
  for (let seq = 1; seq <= TOTAL; seq += 1) {
    const event: UnhashedAuditEvent = {
      id: seq,
      tenant_id: tenantId,
      seq,
      event_type: seq % 3 === 0 ? 'api_key.created' : 'tenant.updated',
      actor: { type: 'user', id: '7d1c4a1e-35c5-4b0e-9f53-1f0c3f6c2a11', email: 'owner@acme.com' },
      resource_type: 'tenant',
      resource_id: tenantId,
      payload: { old: { contact_name: `Name ${seq - 1}`, max_users: 10 }, new: { contact_name: `Name ${seq}`, max_users: 10 } },
      ip_address: '203.0.113.7',
      user_agent: 'bench/1.0',
      request_id: `req-${seq}`,
      timestamp: new Date(start + seq).toISOString(),
      prev_hash: prevHash,
    };
    const hash = hashAuditEvent(event);
    prevHash = hash;
    yield { ...event, hash };
  }
}

async function seed(client: Client, tenantId: string): Promise<void> {
  const columns = [[], [], [], [], [], [], [], [], [], [], [], [], [], [], [], []] as unknown[][];
  const flush = async () => {
    await client.query(
      `INSERT INTO audit_events (id, tenant_id, seq, event_type, actor_type, actor_id, actor_email, resource_type, resource_id,
         payload, ip_address, user_agent, request_id, occurred_at, prev_hash, hash)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
         $9::text[], $10::jsonb[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[], $16::text[])`,
      columns,
    );
    for (const column of columns) column.length = 0;
  };
  let done = 0;
  for (const event of events(tenantId)) {
    const values = [
      event.id, event.tenant_id, event.seq, event.event_type, event.actor.type, event.actor.id, event.actor.email,
      event.resource_type, event.resource_id, JSON.stringify(event.payload), event.ip_address, event.user_agent,
      event.request_id, event.timestamp, event.prev_hash, event.hash,
    ];
    values.forEach((value, index) => columns[index].push(value));
    if (columns[0].length === INSERT_BATCH) {
      await flush();
      done += INSERT_BATCH;
      if (done % 100_000 === 0) process.stderr.write(`  seeded ${done.toLocaleString('en')} events\n`);
    }
  }
  if (columns[0].length > 0) await flush();
  await client.query("SELECT setval('audit_events_id_seq', $1)", [TOTAL]);
  await client.query('ANALYZE audit_events');
}

interface Run {
  events: number;
  seconds: number;
  /** Every thread of this process. */
  cpuMicros: number;
  /** The PostgreSQL backend serving the COPY. */
  pgMicros: number;
  heapBefore: number;
  heapAtCheckpoint: number;
  heapAtEnd: number;
  rssBefore: number;
  rssAtCheckpoint: number;
  peakRss: number;
}

const count = (n: number) => Math.round(n).toLocaleString('en');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const micros = (total: number, events: number) => `${(total / events).toFixed(2)} µs`;

function liveHeap(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed;
}

type Verifier = (onProgress: (progress: VerifyProgress) => void) => Promise<ChainVerification>;

/** One verification of the whole chain, with its time, CPU and memory. */
async function measureVerifier(dataSource: DataSource, verify: Verifier): Promise<Run> {
  const heapBefore = liveHeap();
  const rssBefore = process.memoryUsage().rss;
  let heapAtCheckpoint = 0;
  let rssAtCheckpoint = 0;
  let peakRss = rssBefore;
  const backend = copyBackendCpu(dataSource);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await verify(({ verified }) => {
    backend.sample();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (!heapAtCheckpoint && verified >= CHECKPOINT) {
      heapAtCheckpoint = liveHeap();
      rssAtCheckpoint = peakRss;
    }
  });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (!result.chain_valid || result.verified_count !== TOTAL) throw new Error(`verification failed: ${JSON.stringify(result).slice(0, 500)}`);
  return {
    events: result.verified_count,
    seconds,
    cpuMicros: used.user + used.system,
    pgMicros: await backend.micros(),
    heapBefore,
    heapAtCheckpoint,
    heapAtEnd: liveHeap(),
    rssBefore,
    rssAtCheckpoint,
    peakRss,
  };
}

/** Sums of several runs of one verifier (times and CPU added, memory the worst). */
function combined(runs: Run[]): Run {
  const sum = (pick: (run: Run) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const max = (pick: (run: Run) => number) => Math.max(...runs.map(pick));
  return {
    events: sum((run) => run.events),
    seconds: sum((run) => run.seconds),
    cpuMicros: sum((run) => run.cpuMicros),
    pgMicros: sum((run) => run.pgMicros),
    heapBefore: max((run) => run.heapBefore),
    heapAtCheckpoint: max((run) => run.heapAtCheckpoint),
    heapAtEnd: max((run) => run.heapAtEnd),
    rssBefore: max((run) => run.rssBefore),
    rssAtCheckpoint: max((run) => run.rssAtCheckpoint),
    peakRss: max((run) => run.peakRss),
  };
}

function describe(name: string, run: Run): string[] {
  const rate = run.events / run.seconds;
  return [
    `  ${name}: ${count(rate)} events/s (${run.seconds.toFixed(2)} s for ${count(run.events)}); CPU per event: ${micros(run.cpuMicros, run.events)} this process, ` +
      `${micros(run.pgMicros, run.events)} PostgreSQL backend`,
    `      live heap after GC: ${mb(run.heapBefore)} before, ${mb(run.heapAtCheckpoint)} after ${count(CHECKPOINT)}, ${mb(run.heapAtEnd)} at the end; ` +
      `peak RSS: ${mb(run.rssBefore)} before, ${mb(run.rssAtCheckpoint)} by ${count(CHECKPOINT)}, ${mb(run.peakRss)} by the end ` +
      `(growth ${mb(run.peakRss - run.rssAtCheckpoint)} over the last ${count(TOTAL - CHECKPOINT)})`,
  ];
}

/** `verifyChain` as in production: its threads start when the chain turns out long, from the built worker file. */
async function verifyWithBuiltThreads(
  repository: AuditRepository,
  tenantId: string,
  onProgress: (progress: VerifyProgress) => void,
  workerFile = WORKER_FILE,
): Promise<ChainVerification> {
  const pool = ChainHashPool.start(THREADS, workerFile);
  if (!pool) throw new Error(`${workerFile} is missing: build the control plane`);
  try {
    return await verifyChain(repository, tenantId, onProgress, BATCH, { pool, threads: THREADS });
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const name = KEPT_DATABASE ?? `sluice_bench_audit_${Date.now()}`;
  const url = databaseUrl(name);
  const tenantId = KEPT_DATABASE ? KEPT_TENANT : randomUUID();
  await migrateDatabase(url);
  const client = new Client({ connectionString: url });
  await client.connect();
  const dataSource = await new DataSource(dataSourceOptions(url, 2)).initialize();
  const repository = new AuditRepository(dataSource);
  const loadAtStart = loadavg()[0];
  try {
    const existing = await repository.countChain(tenantId);
    let seeding = 'reused';
    if (existing === 0) {
      process.stderr.write(`Seeding ${count(TOTAL)} events into ${name}...\n`);
      const seedStart = performance.now();
      await seed(client, tenantId);
      const seedSeconds = (performance.now() - seedStart) / 1000;
      seeding = `${seedSeconds.toFixed(1)} s (${count(TOTAL / seedSeconds)} events/s, hashes included)`;
    } else if (existing !== TOTAL) {
      throw new Error(`${name} holds ${existing} events, not ${TOTAL}: drop it or set BENCH_AUDIT_EVENTS=${existing}`);
    }

    type Side = 'old' | 'new' | 'start';
    const sides: Record<Side, { name: string; verify: Verifier; runs: Run[] }> = {
      old: { name: 'single-threaded verifier', verify: (onProgress) => verifyChainInThread(repository, tenantId, onProgress, BATCH), runs: [] },
      new: { name: `threaded verifier (${THREADS} threads)`, verify: (onProgress) => verifyWithBuiltThreads(repository, tenantId, onProgress), runs: [] },
      start: {
        name: `threaded verifier as built from ${BASELINE_WORKER ?? '-'} (${THREADS} threads)`,
        verify: (onProgress) => verifyWithBuiltThreads(repository, tenantId, onProgress, BASELINE_WORKER),
        runs: [],
      },
    };
    const order: Side[] = BASELINE_WORKER ? ['new', 'start', 'old'] : ['new', 'old'];
    const loadDuringVerification: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Each round turns the order by one, so no side always runs first.
      for (let turn = 0; turn < order.length; turn += 1) {
        const side = order[(turn + round) % order.length];
        process.stderr.write(`Round ${round + 1}/${ROUNDS}: ${sides[side].name}, ${count(TOTAL)} events...\n`);
        sides[side].runs.push(await measureVerifier(dataSource, sides[side].verify));
        loadDuringVerification.push(loadavg()[0]);
      }
    }
    const [oldRun, newRun] = [combined(sides.old.runs), combined(sides.new.runs)];
    const startRun = BASELINE_WORKER ? combined(sides.start.runs) : undefined;

    process.stderr.write(`Profile on the first ${count(PROFILE)} events...\n`);
    const backend = copyBackendCpu(dataSource);
    const cpu = process.cpuUsage();
    const start = performance.now();
    const read = await readOnly(repository, tenantId, PROFILE, BATCH, () => backend.sample());
    const readSeconds = (performance.now() - start) / 1000;
    const readCpu = process.cpuUsage(cpu);
    const readPg = await backend.micros();
    const batches = await batchesInMemory(repository, tenantId, PROFILE, BATCH);
    // The batch check of today (hashOnly), and each event decoded and hashed as a thread did before session 8, with the
    // canonical form of today and of before issue 23, in turns, twice each, on the same batches; the lower of each pair.
    const hashing = { batch: Infinity, previous: Infinity, current: Infinity };
    for (let turn = 0; turn < 2; turn += 1) {
      const cpu = process.cpuUsage();
      const hashed = hashOnly(batches);
      const used = process.cpuUsage(cpu);
      hashing.batch = Math.min(hashing.batch, (used.user + used.system) / hashed);
      hashing.previous = Math.min(hashing.previous, hashEach(batches, previousHashAuditEvent));
      hashing.current = Math.min(hashing.current, hashEach(batches, hashAuditEvent));
    }

    const rate = (run: Run) => run.events / run.seconds;
    const perEvent = (run: Run) => (run.cpuMicros + run.pgMicros) / run.events;
    process.stdout.write(
      [
        `audit verification benchmark (${count(TOTAL)} events, one chain, batches of ${count(BATCH)}, ${ROUNDS} round(s); ` +
          `${availableParallelism()} CPUs, ${THREADS} hashing threads; load average ${loadAtStart.toFixed(1)} at start, ` +
          `${loadDuringVerification.map((load) => load.toFixed(1)).join(', ')} after each verification, 1-min)`,
        `  seeding: ${seeding}`,
        ...describe('single-threaded verifier (old)', oldRun),
        ...describe(`threaded verifier (new, ${THREADS} threads)`, newRun),
        ...(startRun
          ? [
              ...describe(`threaded verifier at ${BASELINE_WORKER} (start, ${THREADS} threads)`, startRun),
              `  new/start: ${(rate(newRun) / rate(startRun)).toFixed(2)}x events/s; CPU per event, process and PostgreSQL together: ` +
                `${perEvent(startRun).toFixed(2)} µs start, ${perEvent(newRun).toFixed(2)} µs new (${(perEvent(startRun) / perEvent(newRun)).toFixed(2)}x less)`,
            ]
          : []),
        `  new/old: ${(rate(newRun) / rate(oldRun)).toFixed(2)}x events/s; ${(rate(newRun) / TARGET_PER_SECOND).toFixed(2)}x the ${count(TARGET_PER_SECOND)}/s target; ` +
          `CPU per event, process and PostgreSQL together: ${perEvent(oldRun).toFixed(2)} µs old, ${perEvent(newRun).toFixed(2)} µs new ` +
          `(so ${availableParallelism()} idle CPUs would verify at most ~${count((availableParallelism() * 1_000_000) / perEvent(newRun))} events/s)`,
        `  where the time goes (first ${count(PROFILE)} events, one thread each):`,
        `    PostgreSQL COPY read and dropped, no hashing: ${count(read / readSeconds)} events/s; CPU per event: ${micros(readPg, read)} PostgreSQL backend, ` +
          `${micros(readCpu.user + readCpu.system, read)} reading thread`,
        `    hashing alone (checkChainBatch on batches in memory): ${hashing.batch.toFixed(2)} µs CPU per event = ${count(1_000_000 / hashing.batch)} events/s per thread ` +
          `(${(hashing.current / hashing.batch).toFixed(2)}x less than decoding and hashing each event, below)`,
        `    decode and hash one event (parseChainRow, hashAuditEvent: a thread's work per event before session 8): ${hashing.current.toFixed(2)} µs CPU now, ${hashing.previous.toFixed(2)} µs with the canonical JSON before issue 23 ` +
          `(bench/audit-hash-baseline.ts; ${(hashing.previous / hashing.current).toFixed(2)}x)`,
        '',
      ].join('\n'),
    );
  } finally {
    await dataSource.destroy();
    await client.end();
    if (!KEPT_DATABASE) await dropDatabase(name);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:audit failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
