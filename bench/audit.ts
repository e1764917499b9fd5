/**
 * `npm run bench:audit`: seeds one tenant chain of 1,000,000 audit events (real
 * hashes, bulk-inserted), then verifies it from the database as the API and the
 * CLI do, printing throughput and peak memory after 100k and after 1M events.
 * Target (SPEC section 6): at least 100,000 events/s, with memory flat.
 * Uses its own database on the test server (`TEST_DATABASE_URL`) and drops it afterwards.
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
import { Client } from 'pg';
import { DataSource } from 'typeorm';

const TOTAL = Number(process.env['BENCH_AUDIT_EVENTS'] ?? 1_000_000);
const CHECKPOINT = Math.min(100_000, TOTAL);
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

async function main(): Promise<void> {
  const name = `sluice_bench_audit_${Date.now()}`;
  const url = databaseUrl(name);
  const tenantId = randomUUID();
  await migrateDatabase(url);
  const client = new Client({ connectionString: url });
  await client.connect();
  const dataSource = await new DataSource(dataSourceOptions(url, 2)).initialize();
  try {
    process.stderr.write(`Seeding ${TOTAL.toLocaleString('en')} events into ${name}...\n`);
    const seedStart = performance.now();
    await seed(client, tenantId);
    const seedSeconds = (performance.now() - seedStart) / 1000;

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peakAtCheckpoint = baseline;
    let peak = baseline;
    let checkpointSeconds = 0;
    const verifyStart = performance.now();
    const result = await verifyChain(new AuditRepository(dataSource), tenantId, ({ verified }) => {
      peak = Math.max(peak, process.memoryUsage().rss);
      if (verified <= CHECKPOINT) {
        peakAtCheckpoint = peak;
        checkpointSeconds = (performance.now() - verifyStart) / 1000;
      }
    });
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    if (!result.chain_valid || result.verified_count !== TOTAL) throw new Error(`verification failed: ${JSON.stringify(result).slice(0, 500)}`);

    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const rate = TOTAL / verifySeconds;
    process.stdout.write(
      [
        `audit verification benchmark (${TOTAL.toLocaleString('en')} events, one chain)`,
        `  seeding:        ${seedSeconds.toFixed(1)} s (${Math.round(TOTAL / seedSeconds).toLocaleString('en')} events/s, hashes included)`,
        `  verification:   ${verifySeconds.toFixed(2)} s = ${Math.round(rate).toLocaleString('en')} events/s ` +
          `(${(rate / TARGET_PER_SECOND).toFixed(2)}x the ${TARGET_PER_SECOND.toLocaleString('en')}/s target)`,
        `  first ${CHECKPOINT.toLocaleString('en')}:    ${checkpointSeconds.toFixed(2)} s`,
        `  peak RSS:       ${mb(peakAtCheckpoint)} MB after ${CHECKPOINT.toLocaleString('en')} events, ${mb(peak)} MB after ${TOTAL.toLocaleString('en')} ` +
          `(baseline ${mb(baseline)} MB; growth ${mb(peak - peakAtCheckpoint)} MB over the last ${(TOTAL - CHECKPOINT).toLocaleString('en')})`,
        '',
      ].join('\n'),
    );
  } finally {
    await dataSource.destroy();
    await client.end();
    await dropDatabase(name);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:audit failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
