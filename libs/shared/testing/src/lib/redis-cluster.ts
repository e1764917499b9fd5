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
    /** Every node's `requirepass`, when the cluster was started with one. */
    readonly password?: string,
    private readonly settings: NodeSettings = { persistent: false, requireFullCoverage: true },
  ) {}

  /**
   * `persistent`: every node keeps its data in an append-only file synced
   * before each reply, so `restartNode` is a process restart, not a data loss.
   * `requireFullCoverage: false`: the other masters keep serving their slots
   * while one is down (there are no replicas to take over).
   */
  static async start({ masters = 3, password, persistent = false, requireFullCoverage = true }: { masters?: number; password?: string; persistent?: boolean; requireFullCoverage?: boolean } = {}): Promise<LocalRedisCluster> {
    const directory = mkdtempSync(join(tmpdir(), 'sluice-redis-cluster-'));
    const ports: number[] = [];
    for (let index = 0; index < masters; index++) ports.push(await distinctFreePort(ports));
    const settings = { persistent, requireFullCoverage };
    const processes = ports.map((port) => spawnNode(port, directory, password, settings));
    const cluster = new LocalRedisCluster(ports, directory, processes, password, settings);
    try {
      await Promise.all(ports.map((port) => waitUntil(() => answersPing(port, password), 5_000, `redis-server on port ${port}`)));
      const auth = password ? ['-a', password, '--no-auth-warning'] : [];
      await run('redis-cli', [...auth, '--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 10_000 });
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
      { keyPrefix, redisOptions: { maxRetriesPerRequest: 1, password: this.password }, clusterRetryStrategy: () => 100 },
    );
  }

  /** The keys matching `pattern` on each node, in the order of `ports` (KEYS: for small test data only). */
  async keysPerNode(pattern: string): Promise<string[][]> {
    return Promise.all(this.ports.map(async (port) => (await withNode(port, (client) => client.keys(pattern), this.password)) ?? []));
  }

  /** How many connections each node has subscribed to `channel`, in the order of `ports` (0 for a node that is down). */
  async subscribersPerNode(channel: string): Promise<number[]> {
    return Promise.all(this.ports.map(async (port) => {
      const reply = await withNode(port, (client) => client.pubsub('NUMSUB', channel), this.password);
      return Number((reply as [string, number] | null)?.[1] ?? 0);
    }));
  }

  /** Every node answers and agrees that all 16,384 slots are served. */
  async isHealthy(): Promise<boolean> {
    const states = await Promise.all(this.ports.map((port) => clusterState(port, this.password)));
    return states.every((state) => state === 'ok');
  }

  /** SIGKILLs one node and starts it again on its port, with its cluster identity (and its data, if persistent). */
  async restartNode(index: number): Promise<void> {
    await this.killNode(index);
    this.processes[index] = spawnNode(this.ports[index], this.directory, this.password, this.settings);
    await waitUntil(() => answersPing(this.ports[index], this.password), 5_000, `redis-server on port ${this.ports[index]} again`);
    await waitUntil(() => this.isHealthy(), 10_000, 'the Redis Cluster to be ok again');
  }

  /** SIGKILLs one node and leaves it down (`restartNode` brings it back). */
  async killNode(index: number): Promise<void> {
    await killed(this.processes[index]);
  }

  /** Kills the nodes and removes their files. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map(killed));
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

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

interface NodeSettings {
  persistent: boolean;
  requireFullCoverage: boolean;
}

function spawnNode(port: number, directory: string, password: string | undefined, { persistent, requireFullCoverage }: NodeSettings): ChildProcess {
  const nodeDirectory = join(directory, String(port));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--cluster-enabled', 'yes'];
  args.push('--cluster-config-file', `${nodeDirectory}.conf`, '--cluster-node-timeout', '2000', '--save', '');
  args.push('--cluster-require-full-coverage', requireFullCoverage ? 'yes' : 'no');
  if (persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always', '--appendfilename', `${port}.aof`, '--appenddirname', `aof-${port}`);
  else args.push('--appendonly', 'no');
  if (password) args.push('--requirepass', password, '--masterauth', password);
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  // The test's own life decides; stop() kills it.
  child.unref();
  return child;
}

async function answersPing(port: number, password?: string): Promise<boolean> {
  return (await withNode(port, (client) => client.ping(), password)) === 'PONG';
}

async function clusterState(port: number, password?: string): Promise<string | null> {
  const info = await withNode(port, (client) => client.cluster('INFO'), password);
  return typeof info === 'string' ? (/cluster_state:(\w+)/.exec(info)?.[1] ?? null) : null;
}

async function withNode<T>(port: number, use: (client: Redis) => Promise<T>, password?: string): Promise<T | null> {
  // A short disconnectTimeout: closing a connection that was refused (a node that is down) would otherwise leave a 2 s timer behind.
  const client = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, disconnectTimeout: 50 });
  try {
    await client.connect();
    return await use(client);
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}
