/**
 * `npm run bench:audit`: seeds one tenant chain of 1,000,000 audit events (real
 * hashes, bulk-inserted), then verifies it from the database as the API and the
 * CLI do. Target (bench/README.md): at least 100,000 events/s, with memory flat.
 *
 * The machine is shared, so absolute rates swing with its load; the bench
 * therefore also runs, in the same process and on the same data, the raw
 * SELECT of the previous implementation and the previous verifier
 * (`audit-baselines.ts`) and prints the ratios, along with node's CPU time per
 * event, which depends less on the load than the wall clock does. Memory flatness: live heap
 * after a full GC and peak RSS after 100k events and at the end.
 *
 * Environment: `BENCH_AUDIT_EVENTS` (default 1,000,000), `BENCH_AUDIT_COMPARE_EVENTS`
 * (events the baselines run on, default 200,000), `BENCH_AUDIT_DATABASE` (keep
 * and reuse that database: seeded on the first run, so later runs skip the
 * minute of seeding; otherwise a throw-away database is dropped afterwards).
 * Uses the test server (`TEST_DATABASE_URL`).
 */
import {
  AuditRepository,
  dataSourceOptions,
  hashAuditEvent,
  migrateDatabase,
  verifyChain,
  type UnhashedAuditEvent,
} from '@sluice/control-plane/data-access';
import { databaseUrl, dropDatabase } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { previousVerifier, rawSelect } from './audit-baselines';

const TOTAL = Number(process.env['BENCH_AUDIT_EVENTS'] ?? 1_000_000);
const CHECKPOINT = Math.min(100_000, TOTAL);
const COMPARE = Math.min(Number(process.env['BENCH_AUDIT_COMPARE_EVENTS'] ?? 200_000), TOTAL);
const KEPT_DATABASE = process.env['BENCH_AUDIT_DATABASE'];
/** The chain of a kept database: fixed, so a later run finds it. */
const KEPT_TENANT = '5ee0be4c-0000-4000-8000-00000000a0d1';
const TARGET_PER_SECOND = 100_000;
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

interface Measured {
  events: number;
  seconds: number;
  cpuMicros: number;
}

async function measure(work: () => Promise<number>): Promise<Measured> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const events = await work();
  const used = process.cpuUsage(cpu);
  return { events, seconds: (performance.now() - start) / 1000, cpuMicros: used.user + used.system };
}

const perSecond = (run: Measured) => run.events / run.seconds;
const count = (n: number) => Math.round(n).toLocaleString('en');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const cpuPerEvent = (run: Measured) => `${(run.cpuMicros / run.events).toFixed(1)} µs node CPU/event`;

function liveHeap(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed;
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

    process.stderr.write(`Verifying ${count(TOTAL)} events...\n`);
    const baselineHeap = liveHeap();
    const baselineRss = process.memoryUsage().rss;
    let heapAtCheckpoint = 0;
    let peakRss = baselineRss;
    let peakRssAtCheckpoint = 0;
    let compared: Measured | undefined;
    const cpu = process.cpuUsage();
    const start = performance.now();
    const current = await measure(async () => {
      const result = await verifyChain(repository, tenantId, ({ verified }) => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        if (!compared && verified >= COMPARE) {
          const used = process.cpuUsage(cpu);
          compared = { events: verified, seconds: (performance.now() - start) / 1000, cpuMicros: used.user + used.system };
        }
        if (!heapAtCheckpoint && verified >= CHECKPOINT) {
          heapAtCheckpoint = liveHeap();
          peakRssAtCheckpoint = peakRss;
        }
      });
      if (!result.chain_valid || result.verified_count !== TOTAL) throw new Error(`verification failed: ${JSON.stringify(result).slice(0, 500)}`);
      return result.verified_count;
    });
    const heapAtEnd = liveHeap();
    if (!compared) throw new Error('verification never reached the comparison point');

    // After the current verifier, so its memory figures are its own (the previous one's 5,000-row
    // batches of objects grow the heap for good) and so the baselines, not it, get the warmer cache.
    process.stderr.write(`Baselines on the first ${count(COMPARE)} events...\n`);
    const raw = await measure(() => rawSelect(dataSource, tenantId, COMPARE));
    const previous = await measure(() => previousVerifier(dataSource, tenantId, COMPARE));

    const rate = perSecond(current);
    const ratio = (a: Measured, b: Measured) => `${(perSecond(a) / perSecond(b)).toFixed(2)}x`;
    process.stdout.write(
      [
        `audit verification benchmark (${count(TOTAL)} events, one chain; load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end, 1-min)`,
        `  seeding:            ${seeding}`,
        `  same run, first ${count(COMPARE)} events:`,
        `    raw SELECT of the previous query, no hashing: ${count(perSecond(raw))} events/s (${cpuPerEvent(raw)})`,
        `    previous verifier:                            ${count(perSecond(previous))} events/s (${cpuPerEvent(previous)})`,
        `    current verifier:                             ${count(perSecond(compared))} events/s (${cpuPerEvent(compared)}) = ` +
          `${ratio(compared, previous)} the previous verifier, ${ratio(compared, raw)} the raw SELECT`,
        `  current verifier, all ${count(TOTAL)}: ${current.seconds.toFixed(2)} s = ${count(rate)} events/s ` +
          `(${(rate / TARGET_PER_SECOND).toFixed(2)}x the ${count(TARGET_PER_SECOND)}/s target; ${cpuPerEvent(current)})`,
        `  live heap after GC:  ${mb(baselineHeap)} before, ${mb(heapAtCheckpoint)} after ${count(CHECKPOINT)}, ${mb(heapAtEnd)} after ${count(TOTAL)}`,
        `  peak RSS:            ${mb(baselineRss)} before, ${mb(peakRssAtCheckpoint)} by ${count(CHECKPOINT)}, ${mb(peakRss)} by ${count(TOTAL)} ` +
          `(growth ${mb(peakRss - peakRssAtCheckpoint)} over the last ${count(TOTAL - CHECKPOINT)})`,
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
