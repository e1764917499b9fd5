import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { pinned } from './pinning';

const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ServiceSpec {
  name: string;
  /** Node arguments, the script included (flags such as --cpu-prof first). */
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
  /** Answers 200 once the service takes requests. */
  readyUrl: string;
  /** Standard output and error go here, so a failed start can be explained. */
  logFile: string;
  /** Runs the process on the services' core (`taskset`), apart from the load generator. */
  pin?: boolean;
}

/**
 * A service under measurement in its own process, so its CPU time and peak
 * memory are its own (not the load generator's) and read from /proc.
 */
export class ServiceProcess {
  private exited: Promise<number | null>;

  private constructor(
    readonly spec: ServiceSpec,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(spec: ServiceSpec): Promise<ServiceProcess> {
    const log = openSync(spec.logFile, 'w');
    // taskset execs node: the pid stays the measured process's.
    const [command, args] = pinned(process.execPath, spec.nodeArgs, spec.pin === true);
    const child = spawn(command, args, { env: spec.env, stdio: ['ignore', log, log] });
    closeSync(log);
    const service = new ServiceProcess(spec, child);
    await service.waitUntilReady();
    return service;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.spec.name} has no pid`);
    return this.child.pid;
  }

  /** User plus system CPU time the process has used so far, in microseconds. */
  cpuMicros(): number {
    const { user, system } = this.cpuTimes();
    return user + system;
  }

  /** CPU time so far in microseconds, in user space and in the kernel (system calls: sockets, files). */
  cpuTimes(): { user: number; system: number } {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const toMicros = (ticks: string): number => (Number(ticks) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
    return { user: toMicros(fields[11]), system: toMicros(fields[12]) };
  }

  /** Peak resident set size (VmHWM) in bytes. */
  peakRssBytes(): number {
    return this.statusBytes('VmHWM');
  }

  /** Current resident set size (VmRSS) in bytes. */
  rssBytes(): number {
    return this.statusBytes('VmRSS');
  }

  private statusBytes(field: 'VmHWM' | 'VmRSS'): number {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (match === null) throw new Error(`${this.spec.name}: no ${field} in /proc/${this.pid}/status`);
    return Number(match[1]) * 1024;
  }

  /** SIGTERM, then waits for the exit (a CPU profile is written on the way out). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) break;
      try {
        const response = await fetch(this.spec.readyUrl);
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    await this.stop();
    const tail = readFileSync(this.spec.logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${this.spec.name} did not become ready at ${this.spec.readyUrl}; last log lines:\n${tail}`);
  }
}
