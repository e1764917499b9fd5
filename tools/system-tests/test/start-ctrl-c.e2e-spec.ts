import { createTestDatabase, deleteKeysWithPrefix, freePort, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Three processes from their sources on a shared machine: generous, polled. */
const START_DEADLINE_MS = 120_000;
const STOP_DEADLINE_MS = 30_000;
/** Variants of npm start's launcher, kept beside its scripts (tools/scripts), which they import. */
const SUPPORT_SCRIPTS = join(__dirname, '../../scripts/test-support');

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
    launcher = spawn(process.execPath, [join(SUPPORT_SCRIPTS, 'supervise-apps.mjs'), '--verbose'], {
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

/** The Supervisor's signal rules, over stand-ins that report every signal they get: fast, no apps. */
describe("npm start's Supervisor: one stop per Ctrl-C, a later one forces, a crash stops the rest", () => {
  /** Slightly more than the Supervisor's REPEAT_WINDOW_MS: a Ctrl-C this much later is a new one. */
  const LATER_CTRL_C_MS = 1_300;

  async function launch(env: Record<string, string>): Promise<{ pid: number; appPid: number; output: () => string; exit: Promise<Exit> }> {
    let output = '';
    const child = spawn(process.execPath, [join(SUPPORT_SCRIPTS, 'supervise-stand-ins.mjs')], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'], ...env },
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exit = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await waitUntil(() => /^ready \d+$/m.test(output), 10_000, 'the stand-ins');
    return { pid: child.pid as number, appPid: Number(/^ready (\d+)$/m.exec(output)?.[1]), output: () => output, exit };
  }

  function lines(output: string): string[] {
    // What happened after both were running (they start in either order).
    return output.split('\n').filter((line) => /^(app |mock |npm start:)/.test(line) && !line.endsWith(' running'));
  }

  it("gives each child one SIGTERM for the terminal's SIGINT and npm's copy, stops the mock after the app, exits 0", async () => {
    const launcher = await launch({ DRAIN_MS: '200' });
    process.kill(-launcher.pid, 'SIGINT');
    process.kill(launcher.pid, 'SIGINT');
    expect(await launcher.exit).toEqual({ code: 0, signal: null });
    expect(lines(launcher.output())).toEqual([
      'npm start: Stopping app, mock...',
      'app got SIGTERM',
      'app drained',
      'mock got SIGTERM',
    ]);
  });

  it('forces the children with a Ctrl-C that comes later, and exits 1', async () => {
    const launcher = await launch({ DRAIN_MS: '0' });
    process.kill(-launcher.pid, 'SIGINT');
    await waitUntil(() => launcher.output().includes('app got SIGTERM'), 5_000, 'the stop');
    await sleep(LATER_CTRL_C_MS);
    process.kill(-launcher.pid, 'SIGINT');
    expect(await launcher.exit).toEqual({ code: 1, signal: null });
    expect(lines(launcher.output())).toEqual(
      expect.arrayContaining(['app got SIGTERM', 'npm start: Forcing the stop', 'app got SIGINT', 'mock got SIGINT']),
    );
  });

  it('stops the others when one exits on its own, and exits 1', async () => {
    const launcher = await launch({ DRAIN_MS: '100' });
    process.kill(launcher.appPid, 'SIGUSR2');
    expect(await launcher.exit).toEqual({ code: 1, signal: null });
    expect(lines(launcher.output())).toEqual(expect.arrayContaining(['npm start: app exited (3); stopping the others', 'mock got SIGTERM']));
  });
});
