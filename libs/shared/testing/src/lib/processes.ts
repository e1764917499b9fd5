import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, waitUntil } from './redis';

const REPO_ROOT = resolve(__dirname, '../../../../..');
/** ts-node's transpile-only loading, with each file's output kept between starts (the file says why). */
const REGISTER_TS = resolve(REPO_ROOT, 'tools/scripts/test-support/register-ts.cjs');

export interface ServiceEntry {
  /** For messages: `gateway`, `control-plane-2`. */
  name: string;
  /** The app's `main.ts`, relative to the repository root. */
  main: string;
  /** The tsconfig it is transpiled with, relative to the repository root. */
  tsconfig: string;
  /** The variable the app reads its port from. */
  portVariable: string;
}

export const GATEWAY_ENTRY: ServiceEntry = {
  name: 'gateway',
  main: 'apps/gateway/src/main.ts',
  tsconfig: 'apps/gateway/tsconfig.app.json',
  portVariable: 'GATEWAY_PORT',
};

/**
 * What a gateway needs to reach a mock provider on this host: it refuses
 * loopback and private destinations unless UPSTREAM_ALLOWED_PRIVATE_CIDRS
 * opens them (docs/operations.md).
 */
export const MOCK_PROVIDER_GATEWAY_ENV: Readonly<Record<string, string>> = Object.freeze({ UPSTREAM_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32' });

export const CONTROL_PLANE_ENTRY: ServiceEntry = {
  name: 'control-plane',
  main: 'apps/control-plane/src/main.ts',
  tsconfig: 'apps/control-plane/tsconfig.app.json',
  portVariable: 'CONTROL_PLANE_PORT',
};

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * An app's `main.ts` as a real process (from its sources, no build), so that
 * signals, exit codes and a SIGKILL are real. `restart()` starts the same
 * service again on the same port, as an orchestrator would.
 */
export class ServiceProcess {
  private child!: ChildProcess;
  private exit!: Promise<Exit>;
  private log = '';

  private constructor(
    readonly entry: ServiceEntry,
    private listenPort: number,
    private readonly env: Record<string, string>,
    private readonly readyPath = '/health/ready',
  ) {}

  /**
   * Starts `entry` with `env` (plus PATH, host and port) and waits until
   * `/health/ready` answers 200, or only `/health/live` with `waitForReady: false`
   * (an app that cannot be ready, say a gateway without a projection).
   */
  static async start(entry: ServiceEntry, env: Record<string, string>, { readyDeadlineMs = 60_000, waitForReady = true } = {}): Promise<ServiceProcess> {
    const service = new ServiceProcess(entry, await freePort(), env, waitForReady ? '/health/ready' : '/health/live');
    await service.launchOnFreePort(readyDeadlineMs);
    return service;
  }

  get port(): number {
    return this.listenPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything the process wrote to stdout and stderr since its last start. */
  output(): string {
    return this.log;
  }

  exited(): Promise<Exit> {
    return this.exit;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGKILL, then waits for the exit: nothing of the process runs afterwards. */
  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exit;
  }

  async restart({ readyDeadlineMs = 60_000 } = {}): Promise<void> {
    if (this.running) await this.kill();
    await this.launch(readyDeadlineMs);
  }

  /** SIGTERM and waits for the exit; SIGKILL if it takes longer than `deadlineMs`. */
  async stop(deadlineMs = 20_000): Promise<Exit> {
    if (!this.running) return this.exit;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), deadlineMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The first launch. `freePort()` finds a port no one listens on, but the
   * kernel may hand it to an outgoing connection of another process before the
   * app binds it (both come from the ephemeral range); the app then exits with
   * "port N is already in use", and another port is taken, a few times.
   */
  private async launchOnFreePort(readyDeadlineMs: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launch(readyDeadlineMs);
      } catch (error) {
        if (attempt === 3 || !this.log.includes(`port ${this.listenPort} is already in use`)) throw error;
        this.listenPort = await freePort();
      }
    }
  }

  private async launch(readyDeadlineMs: number): Promise<void> {
    this.log = '';
    // The caller's variables win over the host defaults (a test that needs to know the metrics port sets it).
    this.child = spawnTs(this.entry.main, this.entry.tsconfig, { ...hostVariable(this.entry), ...this.env, [this.entry.portVariable]: String(this.port) });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    const child = this.child;
    this.exit = new Promise<Exit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.entry.name} exited at start:\n${this.log}`);
        return (await fetch(`${this.url}${this.readyPath}`).catch(() => undefined))?.status === 200;
      },
      readyDeadlineMs,
      `${this.entry.name} on port ${this.port} to be ready`,
    );
  }
}

/**
 * Runs a one-off command of an app (`main` relative to the repository root,
 * e.g. `apps/control-plane/src/projection-rebuild.ts`) to its end: its exit
 * code and everything it wrote.
 */
export async function runCommand(main: string, tsconfig: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnTs(main, tsconfig, env);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
  return { code, output };
}

/** A TypeScript entry point from its sources (no build), with only PATH and `env` in its environment. */
function spawnTs(main: string, tsconfig: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-r', REGISTER_TS, '-r', 'tsconfig-paths/register', main], {
    cwd: REPO_ROOT,
    // TS_NODE_PROJECT, as ts-node names it: the transpile hook and tsconfig-paths both read it.
    env: { PATH: process.env['PATH'], TS_NODE_PROJECT: tsconfig, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function hostVariable(entry: ServiceEntry): Record<string, string> {
  // The metrics listener on a port of the system's choosing: processes of one run must not share its default.
  return { [entry.portVariable.replace(/_PORT$/, '_HOST')]: '127.0.0.1', [entry.portVariable.replace(/_PORT$/, '_METRICS_PORT')]: '0' };
}
