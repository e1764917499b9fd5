import { EXIT_CLEAN, GracefulShutdown, REDIS } from '@sluice/platform';
import { waitUntil } from '@sluice/testing';
import type Redis from 'ioredis';
import { startGateway, type GatewayUnderTest } from '../../test/gateway-harness';

describe('gateway shutdown', () => {
  let gateway: GatewayUnderTest;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway?.close().catch(() => undefined));

  it('fails readiness from the first SIGTERM while still serving, then closes Redis and exits 0', async () => {
    const exits: number[] = [];
    const redis = gateway.app.get<Redis>(REDIS);
    const outcome = new GracefulShutdown(gateway.app, { drainDelayMs: 3_000, graceMs: 10_000 }, (code) => exits.push(code)).shutdown('SIGTERM');

    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      error: expect.objectContaining({
        code: 'not_ready',
        details: { checks: { shutdown: { status: 'down', message: 'Shutting down' }, redis: { status: 'up' }, projection: { status: 'up' } } },
      }),
    });
    // Alive (no restart) and serving during the pause.
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);

    await expect(outcome).resolves.toBe(EXIT_CLEAN);
    expect(exits).toEqual([EXIT_CLEAN]);
    await waitUntil(() => redis.status === 'end', 5_000, 'Redis to close');
    await expect(fetch(`${gateway.url}/health/live`)).rejects.toThrow();
  });
});
