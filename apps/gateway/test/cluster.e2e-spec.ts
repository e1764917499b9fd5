import { Metrics } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import {
  deleteKeysWithPrefix,
  freePort,
  GATEWAY_ENTRY,
  parsePrometheusText,
  samplesOf,
  ServiceProcess,
  TEST_REDIS_URL,
  uniqueKeyPrefix,
  waitUntil,
} from '@sluice/testing';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, MOCK_UPSTREAM_ENV, mockDeployment, mockModel } from './gateway-fixtures';

const WORKERS = 2;
const REQUESTS = 12;
const SLOW_STREAM = '[[mock:tokens=8;chunk_delay_ms=250]] Tell me a story';

/** One POST on a connection of its own (the cluster hands each new connection to the next worker). */
function postOnNewConnection(url: string, secret: string, body: object): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      `${url}/v1/chat/completions`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, connection: 'close' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The pids of a process's children (its cluster workers). */
function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter((text) => text !== '')
    .map(Number);
}

describe(`gateway with GATEWAY_WORKERS=${WORKERS}`, () => {
  const keyPrefix = uniqueKeyPrefix();
  const spillDirectory = mkdtempSync(join(tmpdir(), 'sluice-gateway-cluster-'));
  let mock: MockProvider;
  let fixtures: GatewayFixtures;
  let gateway: ServiceProcess | undefined;
  let metricsUrl: string;

  /** Ready once the first worker answers; returns once every worker listens (the primary says so). */
  const start = async (env: Record<string, string> = {}) => {
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const service = await ServiceProcess.start(
      GATEWAY_ENTRY,
      {
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: keyPrefix,
        USAGE_SPILL_DIR: spillDirectory,
        GATEWAY_WORKERS: String(WORKERS),
        GATEWAY_METRICS_PORT: String(metricsPort),
        ...MOCK_UPSTREAM_ENV,
        [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE,
        ...env,
      },
      { readyDeadlineMs: 90_000 },
    );
    await waitUntil(async () => service.output().includes(`with ${WORKERS} workers`), 60_000, 'every worker to listen');
    return service;
  };

  beforeAll(async () => {
    mock = await startMockProvider({ recordRequests: true });
    fixtures = new GatewayFixtures(keyPrefix);
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
  });
  afterEach(async () => {
    if (gateway?.running) await gateway.kill();
    gateway = undefined;
  });
  afterAll(async () => {
    await fixtures?.close();
    await mock?.close();
    await deleteKeysWithPrefix(keyPrefix);
    rmSync(spillDirectory, { recursive: true, force: true });
  });

  it('serves from every worker, meters every request once and counts them all in the one /metrics', async () => {
    gateway = await start({ GATEWAY_WORKER_HEAP_MB: '320', GATEWAY_WORKER_SEMI_SPACE_MB: '4', GATEWAY_WORKER_HEAP_GROWTH_PERCENT: '60' });
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant);
    const url = gateway.url;
    for (let i = 0; i < REQUESTS; i++) {
      const { status } = await postOnNewConnection(url, secret, { model: 'mock-chat', stream: i % 2 === 1, messages: [{ role: 'user', content: 'hi' }] });
      expect(status).toBe(200);
    }
    expect(childPids(gateway.pid ?? 0)).toHaveLength(WORKERS);
    // Each worker was forked with the V8 heap settings of GATEWAY_WORKER_HEAP_MB, GATEWAY_WORKER_SEMI_SPACE_MB and GATEWAY_WORKER_HEAP_GROWTH_PERCENT.
    for (const pid of childPids(gateway.pid ?? 0)) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(
        expect.arrayContaining(['--max-old-space-size=320', '--max-semi-space-size=4', '--heap-growing-percent=60']),
      );
    }
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === REQUESTS, 10_000, 'every usage event');

    // Each new connection went to the next worker in turn: the total is only right when every worker's count is in it.
    let total = 0;
    await waitUntil(
      async () => {
        const scrape = parsePrometheusText(await (await fetch(metricsUrl)).text());
        total = samplesOf(scrape, Metrics.gatewayRequestDuration.name)
          .filter((sample) => sample.name.endsWith('_count'))
          .reduce((sum, sample) => sum + sample.value, 0);
        return total === REQUESTS;
      },
      10_000,
      'the aggregated request count',
    );
    expect(total).toBe(REQUESTS);
    const scrape = parsePrometheusText(await (await fetch(metricsUrl)).text());
    // A gauge of state, not of amount: one worker's connection up is 1, not the workers' sum.
    expect(samplesOf(scrape, Metrics.redisUp.name).map((sample) => sample.value)).toEqual([1]);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
  }, 120_000);

  it('drains every worker on SIGTERM: readiness 503, streams in flight finish, usage written, exit 0', async () => {
    gateway = await start({ SHUTDOWN_DRAIN_DELAY_MS: '1000', SHUTDOWN_GRACE_MS: '20000' });
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant);
    const url = gateway.url;
    const streams = Array.from({ length: 4 }, () =>
      postOnNewConnection(url, secret, { model: 'mock-chat', stream: true, messages: [{ role: 'user', content: SLOW_STREAM }] }),
    );
    // Every stream forwarded to the provider (in flight) before the signal.
    const before = mock.requests.length;
    await waitUntil(async () => mock.requests.length - before === 4, 10_000, 'the four streams to reach the provider');
    gateway.signal('SIGTERM');
    // Each new connection may reach either worker: readiness must fail on every one.
    await waitUntil(
      async () => {
        const statuses = await Promise.all(
          Array.from({ length: 4 }, async () => (await fetch(`${url}/health/ready`, { headers: { connection: 'close' } }).catch(() => undefined))?.status),
        );
        return statuses.every((status) => status === 503);
      },
      2_000,
      'readiness to fail on every worker',
    );
    for (const { status, text } of await Promise.all(streams)) {
      expect(status).toBe(200);
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    }
    const exit = await gateway.exited();
    if (exit.code !== 0) console.log(gateway.output());
    expect(exit).toEqual({ code: 0, signal: null });
    expect(readdirSync(spillDirectory).filter((name) => name.endsWith('.jsonl'))).toEqual([]);
    const events = await fixtures.usageEventsOf(tenant.id);
    expect(events).toHaveLength(4);
    for (const event of events) expect(event).toMatchObject({ outcome: 'completed', http_status: 200 });
  }, 120_000);

  it('stops every worker at once on a second SIGTERM (exit 1)', async () => {
    gateway = await start({ SHUTDOWN_DRAIN_DELAY_MS: '60000', SHUTDOWN_GRACE_MS: '60000' });
    gateway.signal('SIGTERM');
    await waitUntil(async () => (await fetch(`${gateway?.url}/health/ready`).catch(() => undefined))?.status === 503, 5_000, 'readiness to fail');
    gateway.signal('SIGTERM');
    expect(await gateway.exited()).toEqual({ code: 1, signal: null });
    expect(gateway.output()).toContain('Forcing exit');
  }, 120_000);
});
