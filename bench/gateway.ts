/**
 * `npm run bench`: the gateway beside the floor of its stack, in one run.
 *
 * Four services, each its own child process (CPU time and peak memory read
 * from /proc), pinned with `taskset` to one core while the load generator
 * (`wrk`, one thread) runs pinned to the other:
 * - `mock`: the OpenAI-compatible mock provider called directly (the baseline);
 * - `floor`: `bench/floor/floor-http.ts`, the smallest program doing what one
 *   gateway request must do (`node:http`, key hash lookup in memory, the
 *   gateway's admission and settlement scripts against the real Redis, undici
 *   to the mock, the answer relayed chunk by chunk, the usage event appended);
 * - `floor-fastify`: the same with Fastify in place of `node:http`;
 * - `gateway`: the built gateway (`dist/apps/gateway/main.js`, one worker),
 *   with authentication, admission and metering on (a real key projection in
 *   the shared Redis under a key prefix of the bench's own, deleted afterwards).
 *
 * Phases: warm-up; unloaded (one request at a time, the sides taking turns);
 * loaded (`BENCH_CONNECTIONS` connections for `BENCH_DURATION_SECONDS` per side
 * and shape). Prints one table side by side and the gateway's targets.
 *
 * Environment: `BENCH_DURATION_SECONDS` (10), `BENCH_CONNECTIONS` (32),
 * `BENCH_UNLOADED_REQUESTS` (500 per shape and side), `BENCH_WARMUP_SECONDS`
 * (3), `BENCH_ROUNDS` (2: each loaded phase split in rounds over all sides, the
 * order reversed every other round), `BENCH_SIDES` (`mock,floor,floor-fastify,gateway`; mock is always run),
 * `BENCH_SHAPES` (`plain`, `stream` or both), `BENCH_GATEWAY_BEFORE` (the `main.js`
 * of a gateway built from another commit: measured too, as `gateway-before`), `BENCH_GATEWAY_LOG_LEVEL` (info,
 * production's default), `BENCH_GATEWAY_NODE_FLAGS` (Node flags for the
 * gateway; default: a production worker's, gateway/worker-flags.ts), `BENCH_GATEWAY_BEFORE_NODE_FLAGS`
 * (for `gateway-before`; default none), `BENCH_CPU_PROFILE_DIR` (runs the gateway and the floor with
 * `--cpu-prof`, profiles written there; default: none), `BENCH_LOAD=autocannon`
 * (the fallback driver), `BENCH_KEEP_LOGS=1`, `BENCH_REDIS_URL`
 * (`TEST_REDIS_URL`, default redis://127.0.0.1:6379/0). Run `npm run bench`,
 * which builds first.
 */
import { RedisKeys } from '@sluice/contracts';
import { deleteKeysWithPrefix, freePort, MOCK_PROVIDER_GATEWAY_ENV, TEST_REDIS_URL } from '@sluice/testing';
import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FloorSetup } from './floor/floor-exchange';
import { BENCH_CREDENTIAL_ENV, BENCH_MODEL, MOCK_MODEL, writeBenchProjection, type BenchProjection } from './gateway/bench-projection';
import type { LoadedResult } from './gateway/loaded';
import { canPin } from './gateway/pinning';
import { renderGrid, renderTable, verdict, type Row } from './gateway/report';
import { ServiceProcess } from './gateway/service-process';
import { directTarget, gatewayTarget, type Shape, type Target } from './gateway/targets';
import { measureUnloaded, percentile, type UnloadedSamples } from './gateway/unloaded';
import { PRODUCTION_WORKER_NODE_FLAGS } from './gateway/worker-flags';
import { AUTOCANNON, ensureWrk, wrkDriver, type LoadDriver } from './gateway/wrk';

const DURATION_SECONDS = envNumber('BENCH_DURATION_SECONDS', 10);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 32);
const UNLOADED_REQUESTS = envNumber('BENCH_UNLOADED_REQUESTS', 500);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 3);
/** Each loaded phase is split in this many rounds over all sides (the machine's load drifts). */
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 2));
const GATEWAY_LOG_LEVEL = process.env['BENCH_GATEWAY_LOG_LEVEL'] ?? 'info';
const CPU_PROFILE_DIR = process.env['BENCH_CPU_PROFILE_DIR'];
/** Extra Node flags for the gateway process, e.g. `--max-semi-space-size=8` or `--trace-gc`. */
/** Node flags for the gateway: by default those a production worker is forked with (gateway/worker-flags.ts). */
const GATEWAY_NODE_FLAGS = (process.env['BENCH_GATEWAY_NODE_FLAGS'] ?? PRODUCTION_WORKER_NODE_FLAGS.join(' ')).split(' ').filter((flag) => flag !== '');
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? TEST_REDIS_URL;
const KEEP_LOGS = process.env['BENCH_KEEP_LOGS'] === '1';
const SHAPES = parseList<Shape>('BENCH_SHAPES', 'plain,stream', ['plain', 'stream']);

const SIDE_NAMES = ['mock', 'floor', 'floor-fastify', 'gateway', 'gateway-before'] as const;
type SideName = (typeof SIDE_NAMES)[number];
/** A gateway built from another commit (its `main.js`), measured as the side `gateway-before`: a before/after table from one run. */
const GATEWAY_BEFORE_MAIN = process.env['BENCH_GATEWAY_BEFORE'];
/**
 * Node flags for `gateway-before` (one build, two settings, one run): none by default, as the workers of the
 * builds before `GATEWAY_WORKER_HEAP_MB` were forked without any.
 */
const GATEWAY_BEFORE_NODE_FLAGS = (process.env['BENCH_GATEWAY_BEFORE_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
const SIDES = withMock(parseList<SideName>('BENCH_SIDES', `mock,floor,floor-fastify,gateway${GATEWAY_BEFORE_MAIN === undefined ? '' : ',gateway-before'}`, SIDE_NAMES));

const ROOT = resolve(__dirname, '..');
const GATEWAY_MAIN = join(ROOT, 'dist/apps/gateway/main.js');
const MOCK_MAIN = join(ROOT, 'dist/tools/mock-provider/main.js');
const FLOOR_MAINS: Record<'floor' | 'floor-fastify', string> = {
  floor: join(ROOT, 'bench/floor/floor-http.ts'),
  'floor-fastify': join(ROOT, 'bench/floor/floor-fastify.ts'),
};

/** The "done when", for the gateway. */
const TARGET_ADDED_P50_MS = 0.7;
const TARGET_ADDED_P99_MS = 10;
const TARGET_CPU_OVER_FLOOR = 2;
const TARGET_CPU_OVER_MOCK: Record<Shape, number> = { plain: 4, stream: 3.5 };
const TARGET_RSS_MB = 150;

function parseList<T extends string>(name: string, fallback: string, allowed: readonly T[]): T[] {
  const raw = process.env[name] ?? fallback;
  const items = raw.split(',').map((item) => item.trim());
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`${name} lists ${allowed.join(', ')}; got "${raw}"`);
  return items as T[];
}

function withMock(sides: SideName[]): SideName[] {
  return SIDE_NAMES.filter((side) => side === 'mock' || sides.includes(side));
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function profileFlags(): string[] {
  return CPU_PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(CPU_PROFILE_DIR)}`];
}

async function startMock(workDirectory: string, pin: boolean): Promise<{ mock: ServiceProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const mock = await ServiceProcess.start({
    name: 'mock',
    nodeArgs: [MOCK_MAIN],
    env: { ...process.env, MOCK_PROVIDER_PORT: String(port), MOCK_PROVIDER_HOST: '127.0.0.1' },
    readyUrl: `${url}/health`,
    logFile: join(workDirectory, 'mock.log'),
    pin,
  });
  return { mock, url };
}

async function startFloor(name: 'floor' | 'floor-fastify', workDirectory: string, setup: FloorSetup, pin: boolean): Promise<{ process: ServiceProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const floor = await ServiceProcess.start({
    name,
    nodeArgs: [...profileFlags(), '-r', 'ts-node/register', '-r', 'tsconfig-paths/register', FLOOR_MAINS[name]],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      TS_NODE_PROJECT: join(ROOT, 'bench/tsconfig.json'),
      TS_NODE_TRANSPILE_ONLY: 'true',
      FLOOR_PORT: String(port),
      FLOOR_SETUP: JSON.stringify(setup),
    },
    readyUrl: `${url}/health`,
    logFile: join(workDirectory, `${name}.log`),
    pin,
  });
  return { process: floor, url };
}

async function startGateway(
  name: 'gateway' | 'gateway-before',
  workDirectory: string,
  keyPrefix: string,
  pin: boolean,
): Promise<{ process: ServiceProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const main = name === 'gateway' ? GATEWAY_MAIN : GATEWAY_BEFORE_MAIN;
  if (main === undefined || !existsSync(main)) throw new Error(`BENCH_GATEWAY_BEFORE must name a built gateway's main.js (got ${main})`);
  const gateway = await ServiceProcess.start({
    name,
    nodeArgs: [...(name === 'gateway-before' ? GATEWAY_BEFORE_NODE_FLAGS : GATEWAY_NODE_FLAGS), ...profileFlags(), main],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: GATEWAY_LOG_LEVEL,
      // One worker on one core: the per-worker figures the targets speak of.
      GATEWAY_WORKERS: '1',
      GATEWAY_PORT: String(port),
      GATEWAY_METRICS_PORT: String(await freePort()),
      GATEWAY_HOST: '127.0.0.1',
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      USAGE_SPILL_DIR: join(workDirectory, `${name}-usage-spill`),
      [BENCH_CREDENTIAL_ENV]: 'mock-secret',
      PROVIDER_CREDENTIAL_ENVS: BENCH_CREDENTIAL_ENV,
      ...MOCK_PROVIDER_GATEWAY_ENV,
    },
    readyUrl: `${url}/health/ready`,
    logFile: join(workDirectory, `${name}.log`),
    pin,
  });
  return { process: gateway, url };
}

interface Side {
  name: SideName;
  /** Whose CPU and memory the side's figures are: the mock for direct calls. */
  process: ServiceProcess;
  target(shape: Shape): Target;
}

async function main(): Promise<void> {
  for (const file of [GATEWAY_MAIN, MOCK_MAIN]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run bench" (it builds gateway and mock-provider first)`);
  }
  const workDirectory = mkdtempSync(join(tmpdir(), 'sluice-bench-gateway-'));
  if (CPU_PROFILE_DIR !== undefined) mkdirSync(resolve(CPU_PROFILE_DIR), { recursive: true });
  const pin = canPin();
  const driver: LoadDriver = process.env['BENCH_LOAD'] !== 'autocannon' && ensureWrk() ? wrkDriver(workDirectory, pin) : AUTOCANNON;
  const keyPrefix = `sluice-bench:${randomUUID()}:`;
  const redis = new Redis(REDIS_URL, { keyPrefix, maxRetriesPerRequest: 1 });
  const started: ServiceProcess[] = [];
  try {
    const { mock, url: mockUrl } = await startMock(workDirectory, pin);
    started.push(mock);
    const projection: BenchProjection = await writeBenchProjection(redis, keyPrefix, mockUrl);
    const setup: FloorSetup = {
      redisUrl: REDIS_URL,
      keyPrefix,
      keyHash: projection.keyHash,
      tenant: projection.tenant,
      apiKey: projection.apiKey,
      model: projection.model,
      upstreamCredential: 'mock-secret',
    };
    const sides: Side[] = [{ name: 'mock', process: mock, target: (shape) => directTarget(mockUrl, MOCK_MODEL, shape) }];
    for (const name of SIDES) {
      if (name === 'mock') continue;
      const service =
        name === 'gateway' || name === 'gateway-before' ? await startGateway(name, workDirectory, keyPrefix, pin) : await startFloor(name, workDirectory, setup, pin);
      started.push(service.process);
      sides.push({ name, process: service.process, target: (shape) => gatewayTarget(service.url, projection.secret, BENCH_MODEL, shape) });
    }
    const megabytes = (bytes: number): number => bytes / (1024 * 1024);

    console.log(
      `gateway bench: ${SIDES.join(', ')}; ${CONNECTIONS} connections × ${DURATION_SECONDS} s per loaded phase, ${UNLOADED_REQUESTS} unloaded requests per side; ` +
        `load: ${driver.name}; load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`,
    );
    for (const shape of SHAPES) {
      for (const side of sides) {
        const warm = await driver.run(side.target(shape), CONNECTIONS, WARMUP_SECONDS, started);
        if (warm.completed === 0 || warm.failed > 0) throw new Error(`warm-up ${side.name} ${shape}: ${warm.completed} answered, ${warm.failed} failed`);
      }
    }
    await trimUsageStream(redis);

    const unloaded: Partial<Record<Shape, UnloadedSamples>> = {};
    for (const shape of SHAPES) {
      unloaded[shape] = await measureUnloaded(
        sides.map((side) => ({ name: side.name, target: side.target(shape), process: side.name === 'mock' ? undefined : side.process })),
        UNLOADED_REQUESTS,
      );
    }

    const loaded: Partial<Record<Shape, Record<string, LoadedResult>>> = {};
    for (const shape of SHAPES) {
      const rounds: Record<string, LoadedResult[]> = Object.fromEntries(sides.map((side) => [side.name, []]));
      // The machine's load drifts: every side gets a slice of each round, the order reversed every other round.
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
          rounds[side.name].push(await driver.run(side.target(shape), CONNECTIONS, DURATION_SECONDS / ROUNDS, started));
          await trimUsageStream(redis);
        }
      }
      loaded[shape] = Object.fromEntries(Object.entries(rounds).map(([name, results]) => [name, combineRounds(results)]));
    }
    const peakRss: Record<string, number> = Object.fromEntries(sides.map((side) => [side.name, megabytes(side.process.peakRssBytes())]));

    const report = sideBySide(sides, loaded, unloaded, peakRss);
    console.log(`\n${report.grid}\n\n${renderTable('The gateway against its targets', report.targets)}\n`);
    const missed = report.targets.filter((row) => verdict(row) === 'MISS');
    console.log(missed.length === 0 ? 'All targets met.' : `Missed: ${missed.map((row) => row.figure).join('; ')}`);
  } finally {
    for (const service of started.reverse()) await service.stop();
    await redis.quit();
    await deleteKeysWithPrefix(keyPrefix, REDIS_URL);
    if (KEEP_LOGS) console.log(`service logs kept in ${workDirectory}`);
    else rmSync(workDirectory, { recursive: true, force: true });
    if (CPU_PROFILE_DIR !== undefined) console.log(`CPU profiles written to ${resolve(CPU_PROFILE_DIR)}`);
  }
}

/** Rounds of one side as one result: CPU and requests/s over all of them, latency percentiles averaged. */
function combineRounds(results: LoadedResult[]): LoadedResult {
  const completed = results.reduce((sum, result) => sum + result.completed, 0);
  const perRequest = (pick: (result: LoadedResult) => Record<string, number>): Record<string, number> => {
    const totals: Record<string, number> = {};
    for (const result of results) for (const [name, value] of Object.entries(pick(result))) totals[name] = (totals[name] ?? 0) + value * result.completed;
    return Object.fromEntries(Object.entries(totals).map(([name, total]) => [name, total / completed]));
  };
  const mean = (pick: (result: LoadedResult) => number): number => results.reduce((sum, result) => sum + pick(result), 0) / results.length;
  return {
    requestsPerSecond: mean((result) => result.requestsPerSecond),
    p50Ms: mean((result) => result.p50Ms),
    p99Ms: mean((result) => result.p99Ms),
    completed,
    failed: results.reduce((sum, result) => sum + result.failed, 0),
    cpuPerRequestUs: perRequest((result) => result.cpuPerRequestUs),
    systemCpuPerRequestUs: perRequest((result) => result.systemCpuPerRequestUs),
  };
}

/** Nobody consumes the bench's usage stream: it is cut back between phases so the shared Redis does not grow. */
async function trimUsageStream(redis: Redis): Promise<void> {
  await redis.xtrim(RedisKeys.usageStream(), 'MAXLEN', 0);
}

function sideBySide(
  sides: Side[],
  loaded: Partial<Record<Shape, Record<string, LoadedResult>>>,
  unloaded: Partial<Record<Shape, UnloadedSamples>>,
  peakRss: Record<string, number>,
): { grid: string; targets: Row[] } {
  const names = sides.map((side) => side.name);
  const rows: Array<{ figure: string; unit: string; values: Record<string, number> }> = [];
  const each = (pick: (name: string) => number): Record<string, number> => Object.fromEntries(names.map((name) => [name, pick(name)]));
  const targets: Row[] = [];
  const has = (name: string): boolean => names.includes(name as SideName);
  for (const shape of SHAPES) {
    const results = loaded[shape];
    if (results === undefined) continue;
    const what = shape === 'plain' ? 'plain request' : '20-chunk stream';
    const cpu = each((name) => results[name].cpuPerRequestUs[name]);
    rows.push({ figure: `CPU per ${what}, ${CONNECTIONS} connections`, unit: 'µs', values: cpu });
    rows.push({ figure: '  of which kernel', unit: 'µs', values: each((name) => results[name].systemCpuPerRequestUs[name]) });
    rows.push({ figure: `  mock's CPU per request behind it`, unit: 'µs', values: each((name) => results[name].cpuPerRequestUs['mock']) });
    rows.push({ figure: `requests/s, ${shape}`, unit: '/s', values: each((name) => results[name].requestsPerSecond) });
    rows.push({ figure: `added p99, ${shape}, ${CONNECTIONS} connections`, unit: 'ms', values: each((name) => results[name].p99Ms - results['mock'].p99Ms) });
    rows.push({ figure: `failed requests, ${shape}`, unit: '', values: each((name) => results[name].failed) });
    if (has('gateway')) {
      targets.push({ figure: `gateway CPU per ${what} / mock's`, value: cpu['gateway'] / cpu['mock'], unit: '×', target: TARGET_CPU_OVER_MOCK[shape] });
      if (has('floor')) targets.push({ figure: `gateway CPU per ${what} / floor's`, value: cpu['gateway'] / cpu['floor'], unit: '×', target: TARGET_CPU_OVER_FLOOR });
      targets.push({ figure: `gateway added p99, ${shape}, ${CONNECTIONS} connections`, value: results['gateway'].p99Ms - results['mock'].p99Ms, unit: 'ms', target: TARGET_ADDED_P99_MS });
      targets.push({ figure: `gateway failed requests, ${shape}`, value: results['gateway'].failed, unit: '', target: 0 });
    }
  }
  for (const shape of SHAPES) {
    const samples = unloaded[shape];
    if (samples === undefined) continue;
    const what = shape === 'plain' ? 'plain answer' : "stream's first byte";
    const p50 = (name: string): number => percentile(samples.timings[name].map((timing) => (shape === 'plain' ? timing.totalMs : timing.firstByteMs)), 50);
    const added = each((name) => p50(name) - p50('mock'));
    rows.push({ figure: `added p50 to a ${what}, one at a time`, unit: 'ms', values: added });
    rows.push({ figure: `  p50 itself`, unit: 'ms', values: each(p50) });
    rows.push({ figure: `CPU per ${shape} request, one at a time`, unit: 'µs', values: each((name) => samples.cpuPerRequestUs[name] ?? NaN) });
    if (has('gateway')) targets.push({ figure: `gateway added p50 to a ${what}, one at a time`, value: added['gateway'], unit: 'ms', target: TARGET_ADDED_P50_MS });
  }
  rows.push({ figure: 'peak RSS (VmHWM)', unit: 'MiB', values: peakRss });
  if (has('gateway')) targets.push({ figure: 'gateway peak RSS (one worker)', value: peakRss['gateway'], unit: 'MiB', target: TARGET_RSS_MB });
  const ratios: Array<{ label: string; of: string; over: string }> = [];
  if (has('gateway')) {
    for (const over of ['gateway-before', 'floor', 'mock']) if (has(over)) ratios.push({ label: `gateway/${over}`, of: 'gateway', over });
  }
  const grid = renderGrid('Side by side (one run; the floor programs run under ts-node, whose compiler is in their RSS)', names, rows, ratios);
  return { grid, targets };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
