import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { deleteKeysWithPrefix, GATEWAY_ENTRY, ServiceProcess, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil, type Exit } from '@sluice/testing';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, MOCK_UPSTREAM_ENV, mockDeployment, mockModel } from './gateway-fixtures';

const STREAMS = 10;
const DRAIN_DELAY_MS = 1_000;
const GRACE_MS = 20_000;
/** Each stream takes about 3 s: it is still running when the listener closes after the drain delay. */
const SLOW_STREAM = '[[mock:tokens=12;chunk_delay_ms=250]] Tell me a long story';

/** Resolves to the exit, or to 'timeout' after `ms`. */
function exitWithin(process: ServiceProcess, ms: number): Promise<Exit | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([process.exited(), timeout]).finally(() => clearTimeout(timer));
}

describe('gateway process on SIGTERM with streams in flight', () => {
  const keyPrefix = uniqueKeyPrefix();
  const spillDirectory = mkdtempSync(join(tmpdir(), 'sluice-gateway-shutdown-'));
  let mock: MockProvider;
  let fixtures: GatewayFixtures;
  let gateway: ServiceProcess | undefined;

  beforeAll(async () => {
    mock = await startMockProvider();
    fixtures = new GatewayFixtures(keyPrefix);
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
  });
  afterAll(async () => {
    if (gateway?.running) await gateway.kill();
    await fixtures?.close();
    await mock?.close();
    await deleteKeysWithPrefix(keyPrefix);
    rmSync(spillDirectory, { recursive: true, force: true });
  });

  it('fails readiness at once, finishes all 10 streams, records their usage and exits 0 within the grace', async () => {
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant);
    gateway = await ServiceProcess.start(GATEWAY_ENTRY, {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      USAGE_SPILL_DIR: spillDirectory,
      ...MOCK_UPSTREAM_ENV,
      [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE,
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    });
    const { url } = gateway;

    // Ten streams, each read until its first chunk: all in flight before the signal.
    const readers = await Promise.all(
      Array.from({ length: STREAMS }, async () => {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
          body: JSON.stringify({ model: 'mock-chat', stream: true, messages: [{ role: 'user', content: SLOW_STREAM }] }),
        });
        expect(response.status).toBe(200);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const first = await reader.read();
        return { reader, text: new TextDecoder().decode(first.value) };
      }),
    );

    gateway.signal('SIGTERM');
    await waitUntil(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 503, 1_000, 'readiness to answer 503');

    const bodies = await Promise.all(
      readers.map(async ({ reader, text }) => {
        const decoder = new TextDecoder();
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
        return text;
      }),
    );
    for (const body of bodies) expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);

    expect(await exitWithin(gateway, DRAIN_DELAY_MS + GRACE_MS)).toEqual({ code: 0, signal: null });
    // Flushed to the stream before the process exited: nothing left on disk for a successor to replay.
    expect(readdirSync(spillDirectory).filter((name) => name.endsWith('.jsonl'))).toEqual([]);
    const events = await fixtures.usageEventsOf(tenant.id);
    expect(events).toHaveLength(STREAMS);
    for (const event of events) expect(event).toMatchObject({ outcome: 'completed', http_status: 200 });
  }, 90_000);
});
