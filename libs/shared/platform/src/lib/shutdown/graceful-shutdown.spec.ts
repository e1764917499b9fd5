import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { deleteKeysWithPrefix, listen, LogCapture, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil, type RunningApp } from '@sluice/testing';
import type Redis from 'ioredis';
import { connect } from 'node:net';
import { createHttpApp } from '../http/create-app';
import { PlatformModule } from '../http/platform.module';
import { REDIS } from '../redis/redis.token';
import { DrainingHealthIndicator } from './draining.health';
import { EXIT_CLEAN, EXIT_FORCED, GracefulShutdown } from './graceful-shutdown';
import { ShutdownHooks } from './shutdown-hooks';

/** A request the test holds open until it calls release(). */
class Gate {
  inFlight = 0;
  private open!: () => void;
  readonly released = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open();
  }
}

interface DrainStepRecord {
  requestsInFlight: number;
  redisStatus: string;
}

const GATE = Symbol('GATE');
const DRAIN_STEPS = Symbol('DRAIN_STEPS');

@Controller()
class TestController {
  constructor(
    @Inject(GATE) private readonly gate: Gate,
    private readonly health: HealthCheckService,
    private readonly draining: DrainingHealthIndicator,
  ) {}

  @Get('slow')
  async slow(): Promise<{ done: true }> {
    this.gate.inFlight += 1;
    try {
      await this.gate.released;
      return { done: true };
    } finally {
      this.gate.inFlight -= 1;
    }
  }

  @Get('fast')
  fast(): { ok: true } {
    return { ok: true };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.draining.check()]);
  }
}

/** Stands in for the gateway's usage buffer: a drain step that records when it ran. */
@Injectable()
class BufferFlush {
  constructor(hooks: ShutdownHooks, @Inject(REDIS) redis: Redis, @Inject(GATE) gate: Gate, @Inject(DRAIN_STEPS) records: DrainStepRecord[]) {
    hooks.register('test buffer flush', () => {
      records.push({ requestsInFlight: gate.inFlight, redisStatus: redis.status });
    });
  }
}

interface TestApp extends RunningApp {
  gate: Gate;
  drainSteps: DrainStepRecord[];
  redis: Redis;
  port: number;
}

async function startTestApp(keyPrefix: string): Promise<TestApp> {
  const gate = new Gate();
  const drainSteps: DrainStepRecord[] = [];
  @Module({
    imports: [
      PlatformModule.forRoot({
        service: 'shutdown-test',
        logLevel: 'info',
        logDestination: new LogCapture(),
        redis: { url: TEST_REDIS_URL, keyPrefix, connectionName: 'shutdown-test' },
      }),
      TerminusModule.forRoot({ logger: false }),
    ],
    controllers: [TestController],
    providers: [{ provide: GATE, useValue: gate }, { provide: DRAIN_STEPS, useValue: drainSteps }, BufferFlush],
  })
  class TestModule {}
  const running = await listen(await createHttpApp(TestModule, { bodyLimitBytes: 2048, trustProxy: false }));
  return { ...running, gate, drainSteps, redis: running.app.get<Redis>(REDIS), port: Number(new URL(running.url).port) };
}

/** Whether a new TCP connection to the port is refused (the listener has closed). */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

jest.setTimeout(30_000);

describe('GracefulShutdown', () => {
  const keyPrefix = uniqueKeyPrefix();
  let testApp: TestApp | undefined;

  afterEach(async () => {
    testApp?.gate.release();
    await testApp?.close().catch(() => undefined);
    testApp = undefined;
  });

  afterAll(() => deleteKeysWithPrefix(keyPrefix));

  it('fails readiness at once, refuses connections after the pause, lets the request in flight finish, drains, closes and exits 0', async () => {
    testApp = await startTestApp(keyPrefix);
    const { url, port, gate, drainSteps, redis } = testApp;
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    const slow = fetch(`${url}/slow`);
    await waitUntil(() => gate.inFlight === 1, 5_000, 'the slow request to arrive');

    const exits: number[] = [];
    const shutdown = new GracefulShutdown(testApp.app, { drainDelayMs: 2_000, graceMs: 20_000 }, (code) => exits.push(code));
    const outcome = shutdown.shutdown('SIGTERM');

    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      error: expect.objectContaining({ code: 'not_ready', details: { checks: { shutdown: { status: 'down', message: 'Shutting down' } } } }),
    });
    // During the pause everything else is still served, asking clients to reconnect (elsewhere) next time.
    const duringPause = await fetch(`${url}/fast`);
    expect(duringPause.status).toBe(200);
    expect(duringPause.headers.get('connection')).toBe('close');

    await waitUntil(() => connectionRefused(port), 10_000, 'new connections to be refused');
    expect(drainSteps).toEqual([]); // not while a request is in flight
    expect(exits).toEqual([]);

    gate.release();
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });

    await expect(outcome).resolves.toBe(EXIT_CLEAN);
    expect(exits).toEqual([EXIT_CLEAN]);
    // The drain step ran after the request had finished and before Redis closed; then Redis closed.
    expect(drainSteps).toEqual([{ requestsInFlight: 0, redisStatus: 'ready' }]);
    await waitUntil(() => redis.status === 'end', 5_000, 'Redis to close');
  });

  it('cuts what is still in flight when the grace runs out, and exits 1', async () => {
    testApp = await startTestApp(keyPrefix);
    const { url, port, gate, drainSteps, redis } = testApp;
    const slow = fetch(`${url}/slow`).then(
      (response) => response.status,
      () => 'connection cut',
    );
    await waitUntil(() => gate.inFlight === 1, 5_000, 'the slow request to arrive');

    const exits: number[] = [];
    const outcome = new GracefulShutdown(testApp.app, { drainDelayMs: 0, graceMs: 300 }, (code) => exits.push(code)).shutdown('SIGTERM');

    await expect(outcome).resolves.toBe(EXIT_FORCED);
    expect(exits).toEqual([EXIT_FORCED]);
    await expect(slow).resolves.toBe('connection cut');
    // With the connections cut, the app finishes closing: listener, drain steps, Redis.
    await waitUntil(() => redis.status === 'end', 5_000, 'the app to close');
    expect(await connectionRefused(port)).toBe(true);
    expect(drainSteps).toHaveLength(1);
  });

  it('drains on the first SIGTERM and forces the exit on the second', async () => {
    testApp = await startTestApp(keyPrefix);
    const { url, redis } = testApp;
    const exits: number[] = [];
    const shutdown = new GracefulShutdown(testApp.app, { drainDelayMs: 60_000, graceMs: 60_000 }, (code) => exits.push(code));
    const uninstall = shutdown.handleSignals(['SIGTERM']);
    try {
      process.emit('SIGTERM', 'SIGTERM');
      expect((await fetch(`${url}/ready`)).status).toBe(503);
      expect(exits).toEqual([]);

      process.emit('SIGTERM', 'SIGTERM');
      await waitUntil(() => exits.length > 0, 5_000, 'the forced exit');
      expect(exits).toEqual([EXIT_FORCED]);
      // The pause is cut short too: the app closes now, not in a minute.
      await waitUntil(() => redis.status === 'end', 5_000, 'the app to close');
    } finally {
      uninstall();
    }
  });
});
