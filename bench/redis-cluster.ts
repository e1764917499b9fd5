/**
 * Admission and settlement on a private three-master Redis Cluster
 * (`LocalRedisCluster`), through the apps' own client factory in cluster mode:
 * how the load spreads over the shards and what each shard pays per request,
 * the figures docs/scaling.md extrapolates from.
 *
 * 96 prepaid tenants (2 live keys each, every limit on, as in
 * admission-cost.ts) are spread over the cluster's slots by their hash tags;
 * BENCH_CLUSTER_WORKERS workers (default 48) admit then settle one request
 * at a time for BENCH_CLUSTER_SECONDS (default 8). Before and after, each
 * master's `INFO cpu` (main thread) and `INFO commandstats` are read on its
 * own connection. Printed: requests/s the client reached (on this shared
 * machine the client, not Redis, is the limit), each master's share of the
 * requests, its CPU per admitted and settled request and its busy fraction,
 * and the requests/s one shard would admit at 100 % of a core.
 *
 * Run: `npm run bench:cluster`.
 */
import { RedisKeys, type ApiKeyRecordV1, type TenantRecordV1 } from '@sluice/contracts';
import { Admission, buildAdmissionRequest } from '@sluice/gateway/redis-state';
import { closeRedisClient, createRedisClient, parseRedisClusterNodes } from '@sluice/platform';
import { apiKeyRecord, LocalRedisCluster, tenantRecord } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';

const TENANTS = 96;
const KEYS_PER_TENANT = 2;
const WORKERS = Number(process.env['BENCH_CLUSTER_WORKERS'] ?? 48);
const SECONDS = Number(process.env['BENCH_CLUSTER_SECONDS'] ?? 8);
const PRICING = { input_per_mtok_usd: 2.5, output_per_mtok_usd: 10 };
const HOLD_TTL_MS = 360_000;

interface Caller {
  tenant: TenantRecordV1;
  apiKey: ApiKeyRecordV1;
}

function callers(): Caller[] {
  const periodStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
  const periodEnd = new Date(Date.UTC(periodStart.getUTCFullYear(), periodStart.getUTCMonth() + 1, 1));
  return Array.from({ length: TENANTS }, () => {
    const tenant = tenantRecord({
      slug: `bench-${randomUUID().slice(0, 8)}`,
      plan: 'professional',
      billing_mode: 'prepaid',
      limits: { rpm: 10_000_000, rpd: 1_000_000_000, tpm: 1e12, max_concurrency: 1_000, api_calls_per_period: 1e12, ai_tokens_per_period: 1e15 },
      period_start: periodStart.toISOString(),
      period_end: periodEnd.toISOString(),
    });
    const team = { id: randomUUID(), limits: { rpm: 5_000_000, tpm: 1e12, max_concurrency: 500, budget_usd: 1e9, budget_period: 'month' as const } };
    return Array.from({ length: KEYS_PER_TENANT }, (): Caller => ({
      tenant,
      apiKey: apiKeyRecord(tenant.id, { team, limits: { rpm: 1_000_000, tpd: 1e12, max_concurrency: 100, budget_usd: 1e9, budget_period: 'day' } }),
    }));
  }).flat();
}

interface NodeStats {
  cpuMicros: number;
  evalshaCalls: number;
}

async function nodeStats(port: number): Promise<NodeStats> {
  const redis = new Redis({ host: '127.0.0.1', port });
  try {
    const info = (await redis.call('INFO', 'commandstats', 'cpu')) as string;
    const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return {
      cpuMicros: (seconds('used_cpu_user_main_thread') + seconds('used_cpu_sys_main_thread')) * 1e6,
      evalshaCalls: Number(/^cmdstat_evalsha:calls=(\d+)/m.exec(info)?.[1] ?? 0),
    };
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const cluster = await LocalRedisCluster.start();
  const client = createRedisClient({
    url: 'redis://127.0.0.1:1/0',
    clusterNodes: parseRedisClusterNodes(cluster.nodes),
    keyPrefix: 'sluice-bench:',
    connectionName: 'bench',
    overrides: { enableAutoPipelining: true },
  });
  try {
    await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
    const admission = new Admission(client);
    const everyone = callers();
    for (const tenantId of new Set(everyone.map(({ tenant }) => tenant.id))) await client.set(RedisKeys.credits(tenantId), String(1e15));
    const once = async (caller: Caller) => {
      const request = buildAdmissionRequest({ ...caller, requestId: randomUUID(), estimatedPromptTokens: 400, maxTokens: 500, pricing: PRICING, holdTtlMs: HOLD_TTL_MS });
      const result = await admission.admit(request);
      if (!result.admitted) throw new Error(`The bench's limits refused a request: ${JSON.stringify(result.refusal)}`);
      const outcome = await admission.settle({ ticket: result.ticket, actualTokens: 600, actualCostMicros: 2_500, tokenTotals: { model: 'bench-chat', settledAt: new Date() } });
      if (outcome !== 'settled') throw new Error(`Unexpected settlement outcome: ${outcome}`);
    };
    // Warm-up: loads the scripts on every master.
    await Promise.all(everyone.map(once));

    const before = await Promise.all(cluster.ports.map(nodeStats));
    const started = process.hrtime.bigint();
    const deadline = Date.now() + SECONDS * 1_000;
    let done = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        for (let i = worker; Date.now() < deadline; i += WORKERS) {
          await once(everyone[i % everyone.length]);
          done++;
        }
      }),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const after = await Promise.all(cluster.ports.map(nodeStats));

    console.log(`Redis Cluster, 3 masters, ${TENANTS} tenants × ${KEYS_PER_TENANT} keys, every limit on, ${WORKERS} workers, load average ${loadavg()[0].toFixed(2)}:`);
    console.log(`  ${done.toLocaleString('en-US')} requests admitted and settled in ${elapsed.toFixed(2)} s = ${Math.round(done / elapsed).toLocaleString('en-US')} requests/s (client-bound here)`);
    let totalCpu = 0;
    cluster.ports.forEach((port, index) => {
      const cpu = after[index].cpuMicros - before[index].cpuMicros;
      const requests = (after[index].evalshaCalls - before[index].evalshaCalls) / 2;
      totalCpu += cpu;
      console.log(
        `  master ${index + 1} (:${port}): ${((100 * requests) / done).toFixed(1)} % of requests, ${(cpu / Math.max(requests, 1)).toFixed(1)} µs CPU per request, busy ${((100 * cpu) / 1e6 / elapsed).toFixed(1)} % of a core`,
      );
    });
    const perRequest = totalCpu / done;
    console.log(`  cluster: ${perRequest.toFixed(1)} µs Redis CPU per admitted and settled request; one shard at 100 % of a core ≈ ${Math.round(1e6 / perRequest).toLocaleString('en-US')} requests/s`);
  } finally {
    await closeRedisClient(client);
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
