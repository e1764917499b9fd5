import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { randomSuffix, testRunId } from './run-id';

export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/** A key prefix no other test file or run shares: the isolation unit in the shared Redis. */
export function uniqueKeyPrefix(): string {
  return `sluice-test:${testRunId()}:${randomSuffix()}:`;
}

/** Deletes this prefix's keys and nothing else (never FLUSHDB a shared server). */
export async function deleteKeysWithPrefix(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  let deleted = 0;
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface DisposableRedisOptions {
  /**
   * Keep the data across `stop()`/`start()` in an append-only file in this
   * directory (the caller's, which it removes): a restart is then a process
   * restart, as with a production Redis, not a data loss. Every write is
   * synced before Redis replies, so a SIGKILL loses no acknowledged write.
   */
  dataDirectory?: string;
}

/**
 * A private redis-server on a free port, for tests that stop and restart
 * Redis without touching the shared one. `stop()` kills it; `start()` brings
 * it back on the same port, empty (or with its data, see `dataDirectory`).
 */
export class DisposableRedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly options: DisposableRedisOptions = {},
  ) {}

  static async start(options: DisposableRedisOptions = {}): Promise<DisposableRedisServer> {
    const server = new DisposableRedisServer(await freePort(), options);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const { dataDirectory } = this.options;
    const persistence = dataDirectory ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dataDirectory] : ['--appendonly', 'no'];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
      stdio: 'ignore',
    });
    this.process = child;
    await waitUntil(async () => {
      // A short disconnectTimeout: a refused probe would otherwise leave a 2 s timer that keeps Jest alive.
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, disconnectTimeout: 50 });
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, 5_000);
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** Polls `condition` every 50 ms until it holds; fails after `deadlineMs`. */
export async function waitUntil(condition: () => Promise<boolean> | boolean, deadlineMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
