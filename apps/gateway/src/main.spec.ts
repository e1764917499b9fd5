import { deleteKeysWithPrefix, freePort, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../..');

interface GatewayProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** `main.ts` as a real process (through ts-node, no build), so that signals and the exit code are real. */
async function spawnGateway(keyPrefix: string, env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'apps/gateway/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'],
      TS_NODE_TRANSPILE_ONLY: 'true',
      TS_NODE_PROJECT: 'apps/gateway/tsconfig.app.json',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited at start:\n${output}`);
      return (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 200;
    },
    45_000,
    'the gateway process to be ready',
  );
  return { child, url, exited, output: () => output };
}

const readinessStatus = async (url: string) => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status;

describe('gateway main.ts', () => {
  const keyPrefix = uniqueKeyPrefix();
  let gateway: GatewayProcess | undefined;

  afterEach(async () => {
    if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    }
    gateway = undefined;
  });
  afterAll(() => deleteKeysWithPrefix(keyPrefix));

  it('drains on SIGTERM (readiness 503 first) and exits 0', async () => {
    gateway = await spawnGateway(keyPrefix, { SHUTDOWN_DRAIN_DELAY_MS: '2000', SHUTDOWN_GRACE_MS: '10000' });
    gateway.child.kill('SIGTERM');
    const { url } = gateway;
    await waitUntil(async () => (await readinessStatus(url)) === 503, 5_000, 'readiness to fail');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('exits 1 at once on a second SIGTERM', async () => {
    gateway = await spawnGateway(keyPrefix, { SHUTDOWN_DRAIN_DELAY_MS: '60000', SHUTDOWN_GRACE_MS: '60000' });
    gateway.child.kill('SIGTERM');
    const { url } = gateway;
    await waitUntil(async () => (await readinessStatus(url)) === 503, 5_000, 'readiness to fail');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 1, signal: null });
    expect(gateway.output()).toContain('Forcing exit: SIGTERM received while draining');
  }, 60_000);
});
