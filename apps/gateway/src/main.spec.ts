import { deleteKeysWithPrefix, GATEWAY_ENTRY, ServiceProcess, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil } from '@sluice/testing';

const readinessStatus = async (url: string) => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status;

describe('gateway main.ts', () => {
  const keyPrefix = uniqueKeyPrefix();
  let gateway: ServiceProcess | undefined;

  const start = (env: Record<string, string>) => ServiceProcess.start(GATEWAY_ENTRY, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, ...env }, { readyDeadlineMs: 45_000 });

  afterEach(async () => {
    if (gateway?.running) await gateway.kill();
    gateway = undefined;
  });
  afterAll(() => deleteKeysWithPrefix(keyPrefix));

  it('drains on SIGTERM (readiness 503 first) and exits 0', async () => {
    gateway = await start({ SHUTDOWN_DRAIN_DELAY_MS: '2000', SHUTDOWN_GRACE_MS: '10000' });
    gateway.signal('SIGTERM');
    const { url } = gateway;
    await waitUntil(async () => (await readinessStatus(url)) === 503, 5_000, 'readiness to fail');
    expect(await gateway.exited()).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('exits 1 at once on a second SIGTERM', async () => {
    gateway = await start({ SHUTDOWN_DRAIN_DELAY_MS: '60000', SHUTDOWN_GRACE_MS: '60000' });
    gateway.signal('SIGTERM');
    const { url } = gateway;
    await waitUntil(async () => (await readinessStatus(url)) === 503, 5_000, 'readiness to fail');
    gateway.signal('SIGTERM');
    expect(await gateway.exited()).toEqual({ code: 1, signal: null });
    expect(gateway.output()).toContain('Forcing exit: SIGTERM received while draining');
  }, 60_000);
});
