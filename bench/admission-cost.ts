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
 * Three tenant shapes, resolved from projection records the way the gateway
 * does (`buildAdmissionRequest`):
 * - `plan`: only the plan's rpm and tpm (a postpaid tenant, a key without limits);
 * - `plan + key`: the same plus the key's own rpm and tpm;
 * - `everything`: request windows at tenant, team and key; token windows;
 *   concurrency at every level; the period quota of calls and tokens; prepaid
 *   credit (a live key of a prepaid tenant); a team budget per month and a key
 *   budget per day.
 * Limits are high enough that every request is admitted: the figures are those
 * of the admitted path.
 *
 * Each shape is measured with the current scripts and with the scripts as they
 * were before issue 23 (`bench/admission-baseline/`), on fresh tenants each,
 * their waves interleaved so that a change in the machine's load hits both.
 * A wave is one request per key, run concurrently (admit all, then settle
 * all), with an `INFO commandstats` snapshot between the phases.
 */
import { RedisKeys, type ApiKeyRecordV1, type TenantRecordV1 } from '@sluice/contracts';
import {
  Admission,
  admissionCall,
  buildAdmissionRequest,
  settlementCall,
  type AdmissionRequest,
  type AdmissionTicket,
  type SettlementOutcome,
  type SettlementRequest,
} from '@sluice/gateway/redis-state';
import { apiKeyRecord, DisposableRedisServer, tenantRecord } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import * as baseline from './admission-baseline/admission';

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

export interface ScriptsCost {
  admit: ScriptCost;
  settle: ScriptCost;
}

export type TenantShape = 'plan' | 'plan + key' | 'everything';

export const TENANT_SHAPES: Readonly<Record<TenantShape, string>> = {
  plan: "only the plan's rpm and tpm (postpaid)",
  'plan + key': "the plan's rpm and tpm and the key's own rpm and tpm (postpaid)",
  everything:
    'request and token windows at tenant, team and key, concurrency at all three, period quota of calls and tokens, prepaid credit, team and key budgets',
};

export interface ShapeCost {
  shape: TenantShape;
  current: ScriptsCost;
  /** The scripts as they were before issue 23 (bench/admission-baseline/), measured in the same run. */
  baseline: ScriptsCost;
}

export interface AdmissionCost {
  shapes: ShapeCost[];
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

function callers(shape: TenantShape): Caller[] {
  const periodStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
  const periodEnd = new Date(Date.UTC(periodStart.getUTCFullYear(), periodStart.getUTCMonth() + 1, 1));
  return Array.from({ length: TENANTS }, () => {
    if (shape !== 'everything') {
      const tenant = tenantRecord({ slug: `bench-${randomUUID().slice(0, 8)}`, limits: { rpm: 100_000, tpm: 100_000_000 } });
      const limits = shape === 'plan' ? {} : { rpm: 10_000, tpm: 10_000_000 };
      return Array.from({ length: KEYS_PER_TENANT }, (): Caller => ({ tenant, apiKey: apiKeyRecord(tenant.id, { limits }) }));
    }
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

/** One version of the scripts: the product's `Admission`, or the baseline copy. */
interface Scripts {
  admit(request: AdmissionRequest): Promise<AdmissionTicket>;
  settle(settlement: SettlementRequest): Promise<SettlementOutcome>;
  admitKeys(request: AdmissionRequest): number;
  settleKeys(settlement: SettlementRequest): number;
}

function currentScripts(redis: Redis): Scripts {
  const admission = new Admission(redis);
  return {
    admit: async (request) => {
      const result = await admission.admit(request);
      if (!result.admitted) throw new Error(`The bench's limits refused a request: ${JSON.stringify(result.refusal)}`);
      return result.ticket;
    },
    settle: (settlement) => admission.settle(settlement),
    admitKeys: (request) => admissionCall(request).keys.length,
    settleKeys: (settlement) => settlementCall(settlement).keys.length,
  };
}

function baselineScripts(redis: Redis): Scripts {
  const admission = new baseline.BaselineAdmission(redis);
  return {
    admit: (request) => admission.admit(request),
    settle: (settlement) => admission.settle(settlement),
    admitKeys: (request) => baseline.admissionCall(request).keys.length,
    settleKeys: (settlement) => baseline.settlementCall(settlement).keys.length,
  };
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

/** One shape under one version of the scripts: its callers, and what was measured so far. */
class Run {
  readonly everyone: Caller[];
  readonly admit = emptyPhase();
  readonly settle = emptyPhase();

  constructor(
    shape: TenantShape,
    readonly scripts: Scripts,
  ) {
    this.everyone = callers(shape);
  }

  async admitWave(): Promise<{ tickets: AdmissionTicket[]; keys: number }> {
    const requests = this.everyone.map(({ tenant, apiKey }) =>
      buildAdmissionRequest({ tenant, apiKey, requestId: randomUUID(), estimatedPromptTokens: 400, maxTokens: 500, pricing: PRICING, holdTtlMs: HOLD_TTL_MS }),
    );
    const tickets = await Promise.all(requests.map((request) => this.scripts.admit(request)));
    return { tickets, keys: requests.reduce((sum, request) => sum + this.scripts.admitKeys(request), 0) };
  }

  /** As the gateway settles: actual tokens and cost, and the tenant's token totals. */
  async settleWave(tickets: AdmissionTicket[]): Promise<number> {
    const requests = tickets.map((ticket): SettlementRequest => ({ ticket, actualTokens: 600, actualCostMicros: 2_500, tokenTotals: { model: 'bench-chat', settledAt: new Date() } }));
    const outcomes = await Promise.all(requests.map((settlement) => this.scripts.settle(settlement)));
    if (outcomes.some((outcome) => outcome !== 'settled')) throw new Error(`Unexpected settlement outcomes: ${outcomes.join(', ')}`);
    return requests.reduce((sum, settlement) => sum + this.scripts.settleKeys(settlement), 0);
  }

  async seedCredits(client: Redis): Promise<void> {
    for (const tenantId of new Set(this.everyone.map(({ tenant }) => tenant.id))) await client.set(RedisKeys.credits(tenantId), String(1e12));
  }

  cost(): ScriptsCost {
    return { admit: scriptCost(this.admit), settle: scriptCost(this.settle) };
  }
}

export async function measureAdmissionCost(waves = 150): Promise<AdmissionCost> {
  const server = await DisposableRedisServer.start();
  const client = new Redis(server.url, { keyPrefix: 'sluice-bench:' });
  const stats = new Redis(server.url);
  try {
    const shapes = Object.keys(TENANT_SHAPES) as TenantShape[];
    const runs = shapes.map((shape) => ({ shape, current: new Run(shape, currentScripts(client)), baseline: new Run(shape, baselineScripts(client)) }));
    const all = runs.flatMap(({ current, baseline }) => [current, baseline]);
    // Balances for the prepaid credit, then one unmeasured wave each: loads the scripts (EVALSHA, NOSCRIPT, then EVAL once).
    for (const run of all) {
      await run.seedCredits(client);
      await run.settleWave((await run.admitWave()).tickets);
    }
    await stats.config('RESETSTAT');

    const counter = new CommandCounter(client);
    for (let i = 0; i < waves; i++) {
      for (const run of all) {
        const before = { ...(await serverStats(stats)), commands: counter.total };
        const { tickets, keys } = await run.admitWave();
        const admitted = { ...(await serverStats(stats)), commands: counter.total };
        const settleKeys = await run.settleWave(tickets);
        const settled = { ...(await serverStats(stats)), commands: counter.total };
        accumulate(run.admit, before, admitted, keys, tickets.length);
        accumulate(run.settle, admitted, settled, settleKeys, tickets.length);
      }
    }
    return {
      shapes: runs.map(({ shape, current, baseline }) => ({ shape, current: current.cost(), baseline: baseline.cost() })),
      otherCommands: Object.fromEntries([...counter.byName].filter(([name]) => name !== 'evalsha')),
      loadAverage: loadavg()[0],
    };
  } finally {
    client.disconnect();
    stats.disconnect();
    await server.stop();
  }
}

function emptyPhase(): Phase {
  return { commands: 0, calls: 0, usec: 0, inner: 0, cpu: 0, keys: 0, requests: 0 };
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

export function printAdmissionCost({ shapes, otherCommands, loadAverage }: AdmissionCost): void {
  const line = (name: string, cost: ScriptCost) =>
    `    ${name.padEnd(6)} ${cost.roundTripsPerCall.toFixed(2)} round trip(s), Redis server time ${cost.serverMicrosPerCall.toFixed(1)} µs ` +
    `(CPU ${cost.cpuMicrosPerCall.toFixed(1)} µs), ${cost.commandsPerCall.toFixed(1)} commands inside the script, ${cost.keysPerCall.toFixed(0)} keys`;
  const total = ({ admit, settle }: ScriptsCost) => ({
    cpu: admit.cpuMicrosPerCall + settle.cpuMicrosPerCall,
    server: admit.serverMicrosPerCall + settle.serverMicrosPerCall,
    commands: admit.commandsPerCall + settle.commandsPerCall,
    keys: admit.keysPerCall + settle.keysPerCall,
  });
  const totalLine = (name: string, cost: ScriptsCost) => {
    const { cpu, server, commands, keys } = total(cost);
    return `    ${name.padEnd(6)} Redis CPU ${cpu.toFixed(1)} µs (server time ${server.toFixed(1)} µs), ${commands.toFixed(1)} commands, ${keys.toFixed(0)} keys per admitted and settled request`;
  };
  console.log(`\nadmission per request (${shapes[0]?.current.admit.calls.toLocaleString('en')} requests per shape and version; private redis-server, load average ${loadAverage.toFixed(2)}):`);
  for (const { shape, current, baseline } of shapes) {
    const now = total(current);
    const before = total(baseline);
    console.log(`  ${shape}: ${TENANT_SHAPES[shape]}`);
    console.log(line('admit', current.admit));
    console.log(line('settle', current.settle));
    console.log(totalLine('total', current));
    console.log(totalLine('before', baseline) + ' (the scripts before issue 23, bench/admission-baseline/)');
    console.log(`    ratio  ${(now.cpu / before.cpu).toFixed(2)} × the CPU, ${(now.commands / before.commands).toFixed(2)} × the commands of before`);
  }
  if (Object.keys(otherCommands).length > 0) console.log(`  other commands sent: ${JSON.stringify(otherCommands)}`);
}

if (require.main === module) {
  void measureAdmissionCost(Number(process.env['BENCH_ADMISSION_WAVES'] ?? 150))
    .then(printAdmissionCost)
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
