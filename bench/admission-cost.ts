/**
 * The admission scripts' Redis cost per request, measured on a private
 * redis-server (`DisposableRedisServer`) so that nobody else's commands are in
 * its statistics: round trips per admitted and settled request (every command
 * the client sends, counted at ioredis's `sendCommand`) and Redis server time
 * per call (`INFO commandstats` deltas of `evalsha`: usec / calls), for admit
 * and settle separately, and the server's CPU time per call (`INFO cpu`
 * deltas of the main thread: the script plus reading the command and writing
 * the reply), which the machine's load moves much less than wall-clock µs.
 *
 * Each request runs with every limit on, resolved from projection records the
 * way the gateway does (`buildAdmissionRequest`): request windows at tenant,
 * team and key; token windows; concurrency at every level; the period quota of
 * calls and tokens; prepaid credit (a live key of a prepaid tenant); a team
 * budget per month and a key budget per day. Limits are high enough that every
 * request is admitted: the figures are those of the admitted path.
 *
 * Waves of one request per key run concurrently (admit all, then settle all),
 * with an `INFO commandstats` snapshot between the phases.
 */
import { RedisKeys, type ApiKeyRecordV1, type TenantRecordV1 } from '@sluice/contracts';
import {
  Admission,
  admissionCall,
  buildAdmissionRequest,
  settlementCall,
  type AdmissionTicket,
  type SettlementRequest,
} from '@sluice/gateway/redis-state';
import { apiKeyRecord, DisposableRedisServer, tenantRecord } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';

export interface ScriptCost {
  calls: number;
  /** Commands the client sent per call (1 = one round trip). */
  roundTripsPerCall: number;
  /** Redis server time of the script, µs per call (wall clock, as `INFO commandstats` measures it). */
  serverMicrosPerCall: number;
  /** Redis main-thread CPU per call, µs: the script plus the command's I/O. */
  cpuMicrosPerCall: number;
  /** Redis commands the script runs per call (`redis.call`), a figure the machine's load does not move. */
  commandsPerCall: number;
  /** Keys the script touches per call. */
  keysPerCall: number;
}

export interface AdmissionCost {
  admit: ScriptCost;
  settle: ScriptCost;
  /** Commands other than EVALSHA the client sent while measuring (0 unless a script had to be re-sent with EVAL). */
  otherCommands: Record<string, number>;
  /** The machine's 1-minute load average when the measurement ended. */
  loadAverage: number;
}

const TENANTS = 8;
const KEYS_PER_TENANT = 4;
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
      limits: { rpm: 100_000, rpd: 10_000_000, tpm: 100_000_000, max_concurrency: 1_000, api_calls_per_period: 1e9, ai_tokens_per_period: 1e12 },
      period_start: periodStart.toISOString(),
      period_end: periodEnd.toISOString(),
    });
    const team = { id: randomUUID(), limits: { rpm: 50_000, tpm: 50_000_000, max_concurrency: 500, budget_usd: 1_000_000, budget_period: 'month' as const } };
    return Array.from({ length: KEYS_PER_TENANT }, (): Caller => ({
      tenant,
      apiKey: apiKeyRecord(tenant.id, {
        team,
        limits: { rpm: 10_000, tpd: 1_000_000_000, max_concurrency: 100, budget_usd: 100_000, budget_period: 'day' },
      }),
    }));
  }).flat();
}

interface ServerStats {
  /** EVALSHA calls and their µs. */
  calls: number;
  usec: number;
  /** Commands run inside the scripts: every command but EVALSHA and the statistics connection's own. */
  inner: number;
  /** Main-thread CPU so far, µs. */
  cpu: number;
}

/** From `INFO commandstats`; a script's own µs include the commands it runs, which are also counted under their names. */
async function serverStats(redis: Redis): Promise<ServerStats> {
  const info = (await redis.call('INFO', 'commandstats', 'cpu')) as string;
  const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  const stats: ServerStats = { calls: 0, usec: 0, inner: 0, cpu: (seconds('used_cpu_user_main_thread') + seconds('used_cpu_sys_main_thread')) * 1e6 };
  for (const [, name, calls, usec] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+),/gm)) {
    if (name === 'evalsha') Object.assign(stats, { calls: Number(calls), usec: Number(usec) });
    else if (name !== 'info' && name !== 'config') stats.inner += Number(calls);
  }
  return stats;
}

/** Counts every command the client sends, by name: each one is a round trip (the scripts are awaited one by one per request). */
class CommandCounter {
  readonly byName = new Map<string, number>();
  total = 0;

  constructor(redis: Redis) {
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, stream) => {
      this.total++;
      this.byName.set(command.name, (this.byName.get(command.name) ?? 0) + 1);
      return send(command, stream);
    };
  }
}

interface Phase {
  commands: number;
  calls: number;
  usec: number;
  inner: number;
  cpu: number;
  keys: number;
  requests: number;
}

function scriptCost({ commands, calls, usec, inner, cpu, keys, requests }: Phase): ScriptCost {
  return {
    calls,
    roundTripsPerCall: commands / requests,
    serverMicrosPerCall: usec / calls,
    cpuMicrosPerCall: cpu / calls,
    commandsPerCall: inner / calls,
    keysPerCall: keys / requests,
  };
}

export async function measureAdmissionCost(waves = 150): Promise<AdmissionCost> {
  const server = await DisposableRedisServer.start();
  const client = new Redis(server.url, { keyPrefix: 'sluice-bench:' });
  const stats = new Redis(server.url);
  try {
    const admission = new Admission(client);
    const everyone = callers();
    const admitWave = async (): Promise<{ tickets: AdmissionTicket[]; keys: number }> => {
      const requests = everyone.map(({ tenant, apiKey }) =>
        buildAdmissionRequest({ tenant, apiKey, requestId: randomUUID(), estimatedPromptTokens: 400, maxTokens: 500, pricing: PRICING, holdTtlMs: HOLD_TTL_MS }),
      );
      const results = await Promise.all(requests.map((request) => admission.admit(request)));
      const tickets = results.map((result) => {
        if (!result.admitted) throw new Error(`The bench's limits refused a request: ${JSON.stringify(result.refusal)}`);
        return result.ticket;
      });
      return { tickets, keys: requests.reduce((sum, request) => sum + admissionCall(request).keys.length, 0) };
    };
    // As the gateway settles: actual tokens and cost, and the tenant's token totals.
    const settlements = (tickets: AdmissionTicket[]): SettlementRequest[] =>
      tickets.map((ticket) => ({ ticket, actualTokens: 600, actualCostMicros: 2_500, tokenTotals: { model: 'bench-chat', settledAt: new Date() } }));
    const settleWave = async (tickets: AdmissionTicket[]): Promise<number> => {
      const requests = settlements(tickets);
      const outcomes = await Promise.all(requests.map((settlement) => admission.settle(settlement)));
      if (outcomes.some((outcome) => outcome !== 'settled')) throw new Error(`Unexpected settlement outcomes: ${outcomes.join(', ')}`);
      return requests.reduce((sum, settlement) => sum + settlementCall(settlement).keys.length, 0);
    };

    // Balances for the prepaid credit, then one unmeasured wave: loads both scripts (EVALSHA, NOSCRIPT, then EVAL once).
    for (const tenantId of new Set(everyone.map(({ tenant }) => tenant.id))) await client.set(RedisKeys.credits(tenantId), String(1e12));
    await settleWave((await admitWave()).tickets);
    await stats.config('RESETSTAT');

    const counter = new CommandCounter(client);
    const admit: Phase = { commands: 0, calls: 0, usec: 0, inner: 0, cpu: 0, keys: 0, requests: 0 };
    const settle: Phase = { commands: 0, calls: 0, usec: 0, inner: 0, cpu: 0, keys: 0, requests: 0 };
    for (let i = 0; i < waves; i++) {
      const before = { ...(await serverStats(stats)), commands: counter.total };
      const { tickets, keys } = await admitWave();
      const admitted = { ...(await serverStats(stats)), commands: counter.total };
      const settleKeys = await settleWave(tickets);
      const settled = { ...(await serverStats(stats)), commands: counter.total };
      accumulate(admit, before, admitted, keys, tickets.length);
      accumulate(settle, admitted, settled, settleKeys, tickets.length);
    }
    return {
      admit: scriptCost(admit),
      settle: scriptCost(settle),
      otherCommands: Object.fromEntries([...counter.byName].filter(([name]) => name !== 'evalsha')),
      loadAverage: loadavg()[0],
    };
  } finally {
    client.disconnect();
    stats.disconnect();
    await server.stop();
  }
}

type Snapshot = ServerStats & { commands: number };

function accumulate(phase: Phase, from: Snapshot, to: Snapshot, keys: number, requests: number): void {
  phase.commands += to.commands - from.commands;
  phase.calls += to.calls - from.calls;
  phase.usec += to.usec - from.usec;
  phase.inner += to.inner - from.inner;
  phase.cpu += to.cpu - from.cpu;
  phase.keys += keys;
  phase.requests += requests;
}
