import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { deleteKeysWithPrefix, waitUntil } from './redis';

export interface RunningApp {
  app: NestFastifyApplication;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  close: () => Promise<void>;
}

/** Listens on a free loopback port and returns where. */
export async function listen(app: NestFastifyApplication): Promise<RunningApp> {
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** Collects an app's log lines, as parsed JSON, to assert on what is (not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }

  get text(): string {
    return this.lines.join('\n');
  }

  records(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface AppUnderTestOptions {
  /** The app's Redis, whose keys under `redisKeyPrefix` are deleted on close. */
  redisUrl: string;
  redisKeyPrefix: string;
  /** Wait until `/health/ready` answers 200 (default): tests start on a ready app. */
  waitForReady?: boolean;
  /** Further clean-up after the app has closed (its database, say). */
  afterClose?: () => Promise<void>;
}

export interface StartedApp extends RunningApp {
  logs: LogCapture;
  redisKeyPrefix: string;
}

/**
 * Starts an app built by `create` (which gets the log capture to pass on) on
 * a free port, and on close removes what it left in Redis.
 */
export async function startAppUnderTest(
  create: (logs: LogCapture) => Promise<NestFastifyApplication>,
  { redisUrl, redisKeyPrefix, waitForReady = true, afterClose }: AppUnderTestOptions,
): Promise<StartedApp> {
  const logs = new LogCapture();
  const running = await listen(await create(logs));
  if (waitForReady) await waitUntil(async () => (await fetch(`${running.url}/health/ready`)).status === 200, 10_000, 'readiness');
  return {
    ...running,
    logs,
    redisKeyPrefix,
    close: async () => {
      await running.close();
      await deleteKeysWithPrefix(redisKeyPrefix, redisUrl).catch(() => undefined);
      await afterClose?.();
    },
  };
}
