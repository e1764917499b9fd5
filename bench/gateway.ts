/**
 * `npm run bench`: the gateway against the mock provider called directly, in
 * the same run, plain and streaming (20 chunks), with authentication,
 * admission and metering on (a real key projection in the shared Redis,
 * under a key prefix of its own that is deleted afterwards).
 *
 * The mock and the built gateway run as child processes so their CPU time and
 * peak memory come from /proc; the load generator (autocannon) runs here.
 * Phases: warm-up; unloaded (one request at a time, direct and gateway
 * alternating); loaded (`BENCH_CONNECTIONS` connections for
 * `BENCH_DURATION_SECONDS` each: direct plain, gateway plain, direct stream,
 * gateway stream). Prints each figure next to its target (bench/README.md).
 *
 * Environment: `BENCH_DURATION_SECONDS` (10), `BENCH_CONNECTIONS` (32),
 * `BENCH_UNLOADED_REQUESTS` (500 per shape and side), `BENCH_WARMUP_SECONDS`
 * (3), `BENCH_GATEWAY_LOG_LEVEL` (info, production's default),
 * `BENCH_CPU_PROFILE_DIR` (runs the gateway with `--cpu-prof` and writes its
 * profile there), `BENCH_GATEWAY_NODE_FLAGS` (extra Node flags for the gateway), `BENCH_SHAPES`
 * (`plain`, `stream` or both, the default), `BENCH_KEEP_LOGS=1`
 * (keeps the gateway's and the mock's output), `BENCH_REDIS_URL` (`TEST_REDIS_URL`, default
 * redis://127.0.0.1:6379/0). Run `npm run bench`, which builds first.
 */
import { deleteKeysWithPrefix, freePort, MOCK_PROVIDER_GATEWAY_ENV, TEST_REDIS_URL } from '@sluice/testing';
import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_CREDENTIAL_ENV, BENCH_MODEL, MOCK_MODEL, writeBenchProjection } from './gateway/bench-projection';
import { measureLoaded, type LoadedResult } from './gateway/loaded';
import { renderTable, verdict, type Row } from './gateway/report';
import { ServiceProcess } from './gateway/service-process';
import { directTarget, gatewayTarget, type Shape, type Target } from './gateway/targets';
import { measureUnloaded, percentile, type UnloadedSamples } from './gateway/unloaded';

const DURATION_SECONDS = envNumber('BENCH_DURATION_SECONDS', 10);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 32);
const UNLOADED_REQUESTS = envNumber('BENCH_UNLOADED_REQUESTS', 500);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 3);
const GATEWAY_LOG_LEVEL = process.env['BENCH_GATEWAY_LOG_LEVEL'] ?? 'info';
const CPU_PROFILE_DIR = process.env['BENCH_CPU_PROFILE_DIR'];
/** Extra Node flags for the gateway process, e.g. `--max-semi-space-size=8` or `--trace-gc`. */
const GATEWAY_NODE_FLAGS = (process.env['BENCH_GATEWAY_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? TEST_REDIS_URL;
const KEEP_LOGS = process.env['BENCH_KEEP_LOGS'] === '1';
/** `BENCH_SHAPES=plain` or `stream` runs one shape only (a profile of one path). */
const SHAPES = parseShapes(process.env['BENCH_SHAPES'] ?? 'plain,stream');

const ROOT = resolve(__dirname, '..');
const GATEWAY_MAIN = join(ROOT, 'dist/apps/gateway/main.js');
const MOCK_MAIN = join(ROOT, 'dist/tools/mock-provider/main.js');

const TARGET_ADDED_MS = 0.5;
const TARGET_ADDED_P99_MS = 5;
const TARGET_CPU_PLAIN_US = 100;
const TARGET_CPU_STREAM_US = 200;
const TARGET_RSS_MB = 150;

function parseShapes(raw: string): Shape[] {
  const shapes = raw.split(',').map((shape) => shape.trim());
  for (const shape of shapes) if (shape !== 'plain' && shape !== 'stream') throw new Error(`BENCH_SHAPES lists plain and/or stream, got "${raw}"`);
  return shapes as Shape[];
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

interface Services {
  mock: ServiceProcess;
  gateway: ServiceProcess;
  mockUrl: string;
  gatewayUrl: string;
}

async function startServices(workDirectory: string, keyPrefix: string): Promise<Services> {
  const mockPort = await freePort();
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const mock = await ServiceProcess.start({
    name: 'mock',
    nodeArgs: [MOCK_MAIN],
    env: { ...process.env, MOCK_PROVIDER_PORT: String(mockPort), MOCK_PROVIDER_HOST: '127.0.0.1' },
    readyUrl: `${mockUrl}/health`,
    logFile: join(workDirectory, 'mock.log'),
  });
  try {
    const gatewayPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const gateway = await ServiceProcess.start({
      name: 'gateway',
      nodeArgs: [...GATEWAY_NODE_FLAGS, ...(CPU_PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(CPU_PROFILE_DIR)}`]), GATEWAY_MAIN],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: GATEWAY_LOG_LEVEL,
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_HOST: '127.0.0.1',
        REDIS_URL,
        REDIS_KEY_PREFIX: keyPrefix,
        JWT_SECRET: randomBytes(32).toString('hex'),
        USAGE_SPILL_DIR: join(workDirectory, 'usage-spill'),
        [BENCH_CREDENTIAL_ENV]: 'mock-secret',
        PROVIDER_CREDENTIAL_ENVS: BENCH_CREDENTIAL_ENV,
        ...MOCK_PROVIDER_GATEWAY_ENV,
      },
      readyUrl: `${gatewayUrl}/health/ready`,
      logFile: join(workDirectory, 'gateway.log'),
    });
    return { mock, gateway, mockUrl, gatewayUrl };
  } catch (error) {
    await mock.stop();
    throw error;
  }
}

function unloadedRows(shape: Shape, samples: UnloadedSamples): Row[] {
  const figure = shape === 'plain' ? 'plain response' : "stream's first byte";
  const pick = (side: 'direct' | 'gateway'): number[] => samples[side].map((timing) => (shape === 'plain' ? timing.totalMs : timing.firstByteMs));
  const direct = pick('direct');
  const gateway = pick('gateway');
  const rows: Row[] = [
    { figure: `direct ${figure} p50`, value: percentile(direct, 50), unit: 'ms' },
    { figure: `gateway ${figure} p50`, value: percentile(gateway, 50), unit: 'ms' },
    { figure: `added to ${figure} p50`, value: percentile(gateway, 50) - percentile(direct, 50), unit: 'ms', target: TARGET_ADDED_MS },
    { figure: `direct ${figure} p99`, value: percentile(direct, 99), unit: 'ms' },
    { figure: `gateway ${figure} p99`, value: percentile(gateway, 99), unit: 'ms' },
    { figure: `added to ${figure} p99`, value: percentile(gateway, 99) - percentile(direct, 99), unit: 'ms' },
  ];
  if (shape === 'stream') {
    const total = (side: 'direct' | 'gateway'): number => percentile(samples[side].map((timing) => timing.totalMs), 50);
    rows.push({ figure: 'direct whole stream p50', value: total('direct'), unit: 'ms' }, { figure: 'gateway whole stream p50', value: total('gateway'), unit: 'ms' });
  }
  rows.push({ figure: `gateway CPU per ${shape === 'plain' ? 'plain request' : 'stream'}, one at a time`, value: samples.gatewayCpuPerRequestUs, unit: 'µs' });
  return rows;
}

function loadedRows(shape: Shape, direct: LoadedResult, gateway: LoadedResult): Row[] {
  const cpuTarget = shape === 'plain' ? TARGET_CPU_PLAIN_US : TARGET_CPU_STREAM_US;
  const what = shape === 'plain' ? 'plain request' : '20-chunk stream';
  return [
    { figure: 'direct requests/s', value: direct.requestsPerSecond, unit: '/s' },
    { figure: 'gateway requests/s', value: gateway.requestsPerSecond, unit: '/s' },
    { figure: 'throughput ratio gateway/direct', value: gateway.requestsPerSecond / direct.requestsPerSecond, unit: '' },
    { figure: 'direct p50', value: direct.p50Ms, unit: 'ms' },
    { figure: 'gateway p50', value: gateway.p50Ms, unit: 'ms' },
    { figure: 'direct p99', value: direct.p99Ms, unit: 'ms' },
    { figure: 'gateway p99', value: gateway.p99Ms, unit: 'ms' },
    { figure: 'added p50', value: gateway.p50Ms - direct.p50Ms, unit: 'ms' },
    { figure: 'added p99', value: gateway.p99Ms - direct.p99Ms, unit: 'ms', target: TARGET_ADDED_P99_MS },
    { figure: `gateway CPU per ${what}`, value: gateway.cpuPerRequestUs['gateway'], unit: 'µs', target: cpuTarget },
    { figure: `  of which kernel (system calls)`, value: gateway.systemCpuPerRequestUs['gateway'], unit: 'µs' },
    { figure: `mock CPU per ${what}, direct (baseline)`, value: direct.cpuPerRequestUs['mock'], unit: 'µs' },
    { figure: `mock CPU per ${what}, via gateway`, value: gateway.cpuPerRequestUs['mock'], unit: 'µs' },
    { figure: 'failed requests, direct', value: direct.failed, unit: '' },
    { figure: 'failed requests, gateway', value: gateway.failed, unit: '', target: 0 },
  ];
}

async function main(): Promise<void> {
  for (const file of [GATEWAY_MAIN, MOCK_MAIN]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run bench" (it builds gateway and mock-provider first)`);
  }
  const workDirectory = mkdtempSync(join(tmpdir(), 'sluice-bench-gateway-'));
  const keyPrefix = `sluice-bench:${randomUUID()}:`;
  const redis = new Redis(REDIS_URL, { keyPrefix, maxRetriesPerRequest: 1 });
  let services: Services | undefined;
  try {
    services = await startServices(workDirectory, keyPrefix);
    const { mock, gateway, mockUrl, gatewayUrl } = services;
    const secret = await writeBenchProjection(redis, keyPrefix, mockUrl);
    const target = (side: 'direct' | 'gateway', shape: Shape): Target =>
      side === 'direct' ? directTarget(mockUrl, MOCK_MODEL, shape) : gatewayTarget(gatewayUrl, secret, BENCH_MODEL, shape);
    const processes = [gateway, mock];
    const megabytes = (bytes: number): number => bytes / (1024 * 1024);
    const memory: Row[] = [{ figure: 'gateway RSS at start', value: megabytes(gateway.rssBytes()), unit: 'MB' }];

    console.log(`gateway bench: ${CONNECTIONS} connections × ${DURATION_SECONDS} s per loaded phase, ${UNLOADED_REQUESTS} unloaded requests per side; load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
    for (const shape of SHAPES) {
      for (const side of ['direct', 'gateway'] as const) {
        const warm = await measureLoaded(target(side, shape), CONNECTIONS, WARMUP_SECONDS, processes);
        if (warm.completed === 0 || warm.failed > 0) throw new Error(`warm-up ${side} ${shape}: ${warm.completed} answered, ${warm.failed} failed`);
      }
    }

    memory.push({ figure: 'gateway RSS after warm-up', value: megabytes(gateway.rssBytes()), unit: 'MB' });

    const unloaded: Row[] = [];
    for (const shape of SHAPES) {
      unloaded.push(...unloadedRows(shape, await measureUnloaded(target('direct', shape), target('gateway', shape), UNLOADED_REQUESTS, gateway)));
    }

    const loaded: Record<Shape, Row[]> = { plain: [], stream: [] };
    for (const shape of SHAPES) {
      const direct = await measureLoaded(target('direct', shape), CONNECTIONS, DURATION_SECONDS, processes);
      const viaGateway = await measureLoaded(target('gateway', shape), CONNECTIONS, DURATION_SECONDS, processes);
      loaded[shape] = loadedRows(shape, direct, viaGateway);
      memory.push({ figure: `gateway RSS after the loaded ${shape} phases`, value: megabytes(gateway.rssBytes()), unit: 'MB' });
    }
    memory.push({ figure: 'gateway peak RSS (VmHWM)', value: megabytes(gateway.peakRssBytes()), unit: 'MB', target: TARGET_RSS_MB });

    const tables = [
      renderTable(`Unloaded: one request at a time (${UNLOADED_REQUESTS} per side, alternating)`, unloaded),
      ...(SHAPES.includes('plain') ? [renderTable(`Loaded, plain: ${CONNECTIONS} connections, ${DURATION_SECONDS} s`, loaded.plain)] : []),
      ...(SHAPES.includes('stream') ? [renderTable(`Loaded, stream of 20 chunks: ${CONNECTIONS} connections, ${DURATION_SECONDS} s`, loaded.stream)] : []),
      renderTable('Memory', memory),
    ];
    console.log(`\n${tables.join('\n\n')}\n`);
    const missed = [...unloaded, ...loaded.plain, ...loaded.stream, ...memory].filter((row) => verdict(row) === 'MISS');
    console.log(missed.length === 0 ? 'All targets met.' : `Missed: ${missed.map((row) => row.figure).join('; ')}`);
  } finally {
    await services?.gateway.stop();
    await services?.mock.stop();
    await redis.quit();
    await deleteKeysWithPrefix(keyPrefix, REDIS_URL);
    if (KEEP_LOGS) console.log(`gateway and mock logs kept in ${workDirectory}`);
    else rmSync(workDirectory, { recursive: true, force: true });
    if (CPU_PROFILE_DIR !== undefined) console.log(`gateway CPU profile written to ${resolve(CPU_PROFILE_DIR)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
