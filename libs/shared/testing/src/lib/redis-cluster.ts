import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { freePort, waitUntil } from './redis';

const run = promisify(execFile);

/**
 * A private Redis Cluster of three masters (no replicas) on free ports, made of
 * the machine's `redis-server` processes and joined with `redis-cli --cluster
 * create`: nothing persisted, everything in a temporary directory that
 * `stop()` removes with the processes.
 */
export class LocalRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly directory: string,
    private readonly processes: ChildProcess[],
  ) {}

  static async start(masters = 3): Promise<LocalRedisCluster> {
    const directory = mkdtempSync(join(tmpdir(), 'sluice-redis-cluster-'));
    const ports: number[] = [];
    for (let index = 0; index < masters; index++) ports.push(await distinctFreePort(ports));
    const processes = ports.map((port) => spawnNode(port, directory));
    const cluster = new LocalRedisCluster(ports, directory, processes);
    try {
      await Promise.all(ports.map((port) => waitUntil(() => answersPing(port), 5_000, `redis-server on port ${port}`)));
      await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 10_000 });
      await waitUntil(() => cluster.isHealthy(), 10_000, 'the Redis Cluster to report cluster_state:ok on every node');
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** `host:port,…`, the form REDIS_CLUSTER_NODES takes. */
  get nodes(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  /** A cluster client for the test itself (the caller closes it). */
  client(keyPrefix = ''): Cluster {
    return new Cluster(
      this.ports.map((port) => ({ host: '127.0.0.1', port })),
      { keyPrefix, redisOptions: { maxRetriesPerRequest: 1 }, clusterRetryStrategy: () => 100 },
    );
  }

  /** The keys matching `pattern` on each node, in the order of `ports` (KEYS: for small test data only). */
  async keysPerNode(pattern: string): Promise<string[][]> {
    return Promise.all(this.ports.map(async (port) => (await withNode(port, (client) => client.keys(pattern))) ?? []));
  }

  /** Every node answers and agrees that all 16,384 slots are served. */
  async isHealthy(): Promise<boolean> {
    const states = await Promise.all(this.ports.map((port) => clusterState(port)));
    return states.every((state) => state === 'ok');
  }

  /** Kills the nodes and removes their files. */
  async stop(): Promise<void> {
    await Promise.all(
      this.processes.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(this.directory, { recursive: true, force: true });
  }
}

async function distinctFreePort(taken: number[]): Promise<number> {
  // Redis Cluster also listens on port + 10000 (the cluster bus): keep both within range and distinct.
  for (;;) {
    const port = await freePort();
    if (port < 55_535 && !taken.includes(port)) return port;
  }
}

function spawnNode(port: number, directory: string): ChildProcess {
  const nodeDirectory = join(directory, String(port));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--cluster-enabled', 'yes'];
  args.push('--cluster-config-file', `${nodeDirectory}.conf`, '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no');
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  // The test's own life decides; stop() kills it.
  child.unref();
  return child;
}

async function answersPing(port: number): Promise<boolean> {
  return (await withNode(port, (client) => client.ping())) === 'PONG';
}

async function clusterState(port: number): Promise<string | null> {
  const info = await withNode(port, (client) => client.cluster('INFO'));
  return typeof info === 'string' ? (/cluster_state:(\w+)/.exec(info)?.[1] ?? null) : null;
}

async function withNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T | null> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return await use(client);
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}
