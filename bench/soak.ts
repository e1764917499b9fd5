/**
 * `npm run bench:soak`: the built gateway (one worker) under a long mixed load,
 * to show its memory stays flat. `SOAK_REQUESTS` requests (default 1,000,000)
 * over `SOAK_CONNECTIONS` keep-alive connections (default 32), in a fixed mix
 * per ten: five plain answers, two streams, one stream the client aborts after
 * its first chunk, and two refusals (an unknown model, 404; a wrong key, 401).
 *
 * After every `SOAK_REPORT_EVERY` requests (default 100,000) it prints the
 * gateway's RSS, peak RSS and its heap after a full garbage collection (the
 * gateway runs with `--expose-gc` and a bench-only preload that collects and
 * reports on SIGUSR2). Passes when the heap at the end is within 10 % of the
 * heap after the first report. Like `npm run bench`, the usage stream is
 * cut back as it goes and the bench's key prefix deleted at the end.
 */
import { RedisKeys } from '@sluice/contracts';
import { deleteKeysWithPrefix, freePort, MOCK_PROVIDER_GATEWAY_ENV, TEST_REDIS_URL } from '@sluice/testing';
import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_CREDENTIAL_ENV, BENCH_MODEL, writeBenchProjection } from './gateway/bench-projection';
import { canPin } from './gateway/pinning';
import { ServiceProcess } from './gateway/service-process';
import { requestBody } from './gateway/targets';
import { PRODUCTION_WORKER_NODE_FLAGS } from './gateway/worker-flags';

const REQUESTS = envNumber('SOAK_REQUESTS', 1_000_000);
const CONNECTIONS = envNumber('SOAK_CONNECTIONS', 32);
const REPORT_EVERY = Math.min(envNumber('SOAK_REPORT_EVERY', 100_000), REQUESTS);
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? TEST_REDIS_URL;
const ROOT = resolve(__dirname, '..');
const GATEWAY_MAIN = join(ROOT, 'dist/apps/gateway/main.js');
const MOCK_MAIN = join(ROOT, 'dist/tools/mock-provider/main.js');
const GC_PRELOAD = join(ROOT, 'bench/soak/gc-on-signal.js');
const HEAP_TOLERANCE = 0.1;

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

type Kind = 'plain' | 'stream' | 'aborted' | 'unknown_model' | 'bad_key';
const MIX: Kind[] = ['plain', 'stream', 'plain', 'aborted', 'plain', 'unknown_model', 'stream', 'plain', 'bad_key', 'plain'];
const EXPECTED_STATUS: Record<Kind, number> = { plain: 200, stream: 200, aborted: 200, unknown_model: 404, bad_key: 401 };

interface Memory {
  heapUsed: number;
  rss: number;
}

class Driver {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  private readonly bodies: Record<Kind, string>;
  private readonly url: URL;
  unexpected = 0;

  constructor(
    gatewayUrl: string,
    private readonly secret: string,
  ) {
    this.url = new URL(`${gatewayUrl}/v1/chat/completions`);
    const plain = requestBody(BENCH_MODEL, 'plain');
    const stream = requestBody(BENCH_MODEL, 'stream');
    this.bodies = { plain, stream, aborted: stream, unknown_model: requestBody('no-such-model', 'plain'), bad_key: plain };
  }

  /** Sends requests `from` to `to` (exclusive), `CONNECTIONS` at a time. */
  async run(from: number, to: number): Promise<void> {
    let next = from;
    const lane = async (): Promise<void> => {
      while (next < to) await this.one(MIX[next++ % MIX.length]);
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, lane));
  }

  close(): void {
    this.agent.destroy();
  }

  private one(kind: Kind): Promise<void> {
    return new Promise((done) => {
      const body = this.bodies[kind];
      const key = kind === 'bad_key' ? 'sk-live-not-a-key' : this.secret;
      const req = request(
        this.url,
        { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          if (res.statusCode !== EXPECTED_STATUS[kind]) this.unexpected++;
          if (kind === 'aborted') {
            res.once('data', () => req.destroy());
            res.once('close', () => done());
            return;
          }
          res.on('data', () => undefined);
          res.on('end', () => done());
          res.on('error', () => done());
        },
      );
      req.on('error', () => {
        if (kind !== 'aborted') this.unexpected++;
        done();
      });
      req.end(body);
    });
  }
}

/** Full GC in the gateway, then its heap and RSS (the preload's line). */
async function memoryAfterGc(gateway: ServiceProcess, pid: number, file: string): Promise<Memory> {
  const before = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length > before) return JSON.parse(lines[lines.length - 1]) as Memory;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${gateway.spec.name} did not report its memory`);
}

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

async function main(): Promise<void> {
  for (const file of [GATEWAY_MAIN, MOCK_MAIN]) if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run bench:soak" (it builds first)`);
  const workDirectory = mkdtempSync(join(tmpdir(), 'sluice-bench-soak-'));
  const memoryFile = join(workDirectory, 'memory.jsonl');
  writeFileSync(memoryFile, '');
  const keyPrefix = `sluice-bench:${randomUUID()}:`;
  const redis = new Redis(REDIS_URL, { keyPrefix, maxRetriesPerRequest: 1 });
  const pin = canPin();
  const started: ServiceProcess[] = [];
  let driver: Driver | undefined;
  try {
    const mockPort = await freePort();
    const mockUrl = `http://127.0.0.1:${mockPort}`;
    started.push(
      await ServiceProcess.start({
        name: 'mock',
        nodeArgs: [MOCK_MAIN],
        env: { ...process.env, MOCK_PROVIDER_PORT: String(mockPort), MOCK_PROVIDER_HOST: '127.0.0.1' },
        readyUrl: `${mockUrl}/health`,
        logFile: join(workDirectory, 'mock.log'),
        pin,
      }),
    );
    const projection = await writeBenchProjection(redis, keyPrefix, mockUrl);
    const port = await freePort();
    const gatewayUrl = `http://127.0.0.1:${port}`;
    const gateway = await ServiceProcess.start({
      name: 'gateway',
      nodeArgs: [...PRODUCTION_WORKER_NODE_FLAGS, '--expose-gc', '-r', GC_PRELOAD, GATEWAY_MAIN],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        GATEWAY_WORKERS: '1',
        GATEWAY_PORT: String(port),
        GATEWAY_METRICS_PORT: String(await freePort()),
        GATEWAY_HOST: '127.0.0.1',
        REDIS_URL,
        REDIS_KEY_PREFIX: keyPrefix,
        JWT_SECRET: randomBytes(32).toString('hex'),
        USAGE_SPILL_DIR: join(workDirectory, 'usage-spill'),
        SOAK_MEMORY_FILE: memoryFile,
        [BENCH_CREDENTIAL_ENV]: 'mock-secret',
        PROVIDER_CREDENTIAL_ENVS: BENCH_CREDENTIAL_ENV,
        ...MOCK_PROVIDER_GATEWAY_ENV,
      },
      readyUrl: `${gatewayUrl}/health/ready`,
      logFile: join(workDirectory, 'gateway.log'),
      pin,
    });
    started.push(gateway);
    driver = new Driver(gatewayUrl, projection.secret);
    console.log(`soak: ${REQUESTS.toLocaleString('en')} requests over ${CONNECTIONS} connections (mix per ten: ${MIX.join(', ')}); load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
    console.log('requests    RSS        peak RSS   heap after full GC   unexpected answers');
    let first: Memory | undefined;
    let last: Memory | undefined;
    const startedAt = Date.now();
    for (let done = 0; done < REQUESTS; ) {
      const to = Math.min(REQUESTS, done + REPORT_EVERY);
      await driver.run(done, to);
      done = to;
      await redis.xtrim(RedisKeys.usageStream(), 'MAXLEN', 0);
      last = await memoryAfterGc(gateway, gateway.pid, memoryFile);
      first ??= last;
      console.log(
        `${done.toLocaleString('en').padStart(9)}   ${mib(gateway.rssBytes()).padEnd(9)}  ${mib(gateway.peakRssBytes()).padEnd(9)}  ${mib(last.heapUsed).padEnd(19)}  ${driver.unexpected}`,
      );
    }
    const growth = last !== undefined && first !== undefined ? (last.heapUsed - first.heapUsed) / first.heapUsed : NaN;
    const seconds = (Date.now() - startedAt) / 1000;
    console.log(`\n${(REQUESTS / seconds).toFixed(0)} requests/s; heap after full GC: ${mib(first?.heapUsed ?? NaN)} after the first report, ${mib(last?.heapUsed ?? NaN)} at the end (${(growth * 100).toFixed(1)} %)`);
    console.log(Math.abs(growth) <= HEAP_TOLERANCE ? `Flat: within ${HEAP_TOLERANCE * 100} %.` : `NOT flat: more than ${HEAP_TOLERANCE * 100} % apart.`);
    if (Math.abs(growth) > HEAP_TOLERANCE || driver.unexpected > 0) process.exitCode = 1;
  } finally {
    driver?.close();
    for (const service of started.reverse()) await service.stop();
    await redis.quit();
    await deleteKeysWithPrefix(keyPrefix, REDIS_URL);
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
