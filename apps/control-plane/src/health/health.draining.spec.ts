import { EXIT_CLEAN, GracefulShutdown, REDIS } from '@sluice/platform';
import { waitUntil } from '@sluice/testing';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { startControlPlane, type ControlPlaneUnderTest } from '../../test/control-plane-harness';

describe('control plane shutdown', () => {
  let controlPlane: ControlPlaneUnderTest;
  beforeAll(async () => {
    controlPlane = await startControlPlane();
  });
  afterAll(() => controlPlane?.close().catch(() => undefined));

  it('fails readiness from the first SIGTERM while still serving, then closes Redis and the database pool and exits 0', async () => {
    const exits: number[] = [];
    const redis = controlPlane.app.get<Redis>(REDIS);
    const outcome = new GracefulShutdown(controlPlane.app, { drainDelayMs: 3_000, graceMs: 10_000 }, (code) => exits.push(code)).shutdown('SIGTERM');

    const ready = await fetch(`${controlPlane.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      error: expect.objectContaining({
        code: 'not_ready',
        details: { checks: { shutdown: { status: 'down', message: 'Shutting down' }, database: { status: 'up' }, redis: { status: 'up' }, migrations: { status: 'up' } } },
      }),
    });
    // Alive (no restart) and serving during the pause.
    expect((await fetch(`${controlPlane.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${controlPlane.url}/health`)).status).toBe(200);

    await expect(outcome).resolves.toBe(EXIT_CLEAN);
    expect(exits).toEqual([EXIT_CLEAN]);
    expect(controlPlane.app.get(DataSource).isInitialized).toBe(false);
    await waitUntil(() => redis.status === 'end', 5_000, 'Redis to close');
    await expect(fetch(`${controlPlane.url}/health/live`)).rejects.toThrow();
  });
});
