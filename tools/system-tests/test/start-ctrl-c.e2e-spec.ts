import { createTestDatabase, deleteKeysWithPrefix, freePort, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Three processes through ts-node on a shared machine: generous, polled. */
const START_DEADLINE_MS = 120_000;
const STOP_DEADLINE_MS = 30_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm start`'s process supervision (tools/scripts/supervisor.mjs) with the
 * real apps, stopped the way a terminal stops it: Ctrl-C sends SIGINT to the
 * whole foreground process group, and npm forwards another SIGINT to its
 * script. Each app must be told to stop once, drain, and exit 0, with nothing
 * alarming in the output.
 */
describe('npm start: one Ctrl-C drains every process cleanly (issue 14)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const redisKeyPrefix = uniqueKeyPrefix();
  let launcher: ChildProcess;
  let output = '';
  let exit: Promise<Exit>;
  let gatewayUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const [controlPlanePort, gatewayPort, mockPort] = [await freePort(), await freePort(), await freePort()];
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    // Its own process group, as a shell makes a foreground job: a signal to the group reaches it and whatever shares the group.
    launcher = spawn(process.execPath, [join(__dirname, 'support/supervise-apps.mjs'), '--verbose'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env['PATH'],
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        MIGRATE_ON_START: 'false',
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: redisKeyPrefix,
        CONTROL_PLANE_HOST: '127.0.0.1',
        CONTROL_PLANE_PORT: String(controlPlanePort),
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(gatewayPort),
        MOCK_PROVIDER_PORT: String(mockPort),
        MOCK_PROVIDER_URL: `http://127.0.0.1:${mockPort}`,
      },
    });
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exit = new Promise((resolve) => launcher.once('exit', (code, signal) => resolve({ code, signal })));
    await waitUntil(
      () => {
        if (launcher.exitCode !== null) throw new Error(`the launcher exited at start:\n${output}`);
        return /^ready /m.test(output);
      },
      START_DEADLINE_MS,
      'the three processes to be ready',
    );
  }, START_DEADLINE_MS + 30_000);

  afterAll(async () => {
    if (launcher?.pid && alive(launcher.pid)) process.kill(-launcher.pid, 'SIGKILL');
    await deleteKeysWithPrefix(redisKeyPrefix).catch(() => undefined);
    await database?.drop();
  });

  it('logs a request in one line', async () => {
    const response = await fetch(`${gatewayUrl}/v1/models`, { headers: { 'x-request-id': 'one-line-probe' } });
    expect(response.status).toBe(401);
    await waitUntil(() => / GET \/v1\/models 401 /.test(output), 5_000, 'the request line');
    expect(output.split('\n').filter((line) => line.includes('GET /v1/models'))).toEqual([expect.stringMatching(/^[\d:.]{12} WARN {2}gateway +GET \/v1\/models 401 [\d.]+ ms$/)]);
  });

  it('exits 0 after both apps drained on one SIGTERM each; no error, no forced exit; the children are gone', async () => {
    const pids = (/^ready (.*)$/m.exec(output)?.[1] ?? '').split(' ').map(Number);
    expect(pids).toHaveLength(3);
    const pid = launcher.pid as number;
    process.kill(-pid, 'SIGINT');
    process.kill(pid, 'SIGINT');

    const timeout = new Promise<Exit>((resolve) => setTimeout(() => resolve({ code: null, signal: null }), STOP_DEADLINE_MS).unref());
    expect(await Promise.race([exit, timeout])).toEqual({ code: 0, signal: null });
    expect(output).not.toMatch(/ERROR|FATAL|Forcing/);
    // Each app heard one SIGTERM (from the launcher), none the terminal's SIGINT, and drained to the end.
    expect(output.match(/SIGTERM: readiness now fails/g)).toHaveLength(2);
    expect(output).not.toMatch(/SIGINT/);
    expect(output.match(/Drained and closed/g)).toHaveLength(2);
    for (const child of pids) expect({ child, alive: alive(child) }).toEqual({ child, alive: false });
  }, STOP_DEADLINE_MS + 10_000);
});
