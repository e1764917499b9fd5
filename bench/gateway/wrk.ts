import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureLoaded, type LoadedResult } from './loaded';
import { LOAD_CORE, SERVICE_CORES } from './pinning';
import type { ServiceProcess } from './service-process';
import type { Target } from './targets';

const SETTLE_MS = 300;

/** True when `wrk` is on the PATH, installing Debian's package when it is not (as root, which the bench machines are). */
export function ensureWrk(): boolean {
  if (spawnSync('wrk', ['--version']).error === undefined) return true;
  console.log('wrk is missing: installing it with apt-get');
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
    } catch {
      return false;
    }
  }
  return spawnSync('wrk', ['--version']).error === undefined;
}

export interface LoadDriver {
  name: string;
  run(target: Target, connections: number, durationSeconds: number, services: ServiceProcess[]): Promise<LoadedResult>;
}

/** autocannon in this process: the fallback when wrk cannot be had. */
export const AUTOCANNON: LoadDriver = { name: 'autocannon (in the bench process, not pinned)', run: measureLoaded };

/** wrk, one thread, pinned to the load core when `pin`; the services' CPU read from /proc around the run. */
export function wrkDriver(workDirectory: string, pin: boolean): LoadDriver {
  let scripts = 0;
  return {
    name: pin ? `wrk (1 thread, pinned to core ${LOAD_CORE}; services on core ${SERVICE_CORES})` : 'wrk (1 thread, not pinned)',
    async run(target, connections, durationSeconds, services) {
      const script = join(workDirectory, `wrk-${scripts++}.lua`);
      writeFileSync(script, wrkScript(target));
      const before = services.map((service) => service.cpuTimes());
      const args = ['-t1', `-c${connections}`, `-d${durationSeconds}s`, '--timeout', '30s', '--latency', '-s', script, target.url];
      const [command, commandArgs] = pin ? ['taskset', ['-c', LOAD_CORE, 'wrk', ...args]] : ['wrk', args];
      const output = await runToEnd(command, commandArgs);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const after = services.map((service) => service.cpuTimes());
      const parsed = parseWrk(output);
      const completed = parsed.requests - parsed.non2xx;
      const cpuPerRequestUs: Record<string, number> = {};
      const systemCpuPerRequestUs: Record<string, number> = {};
      services.forEach((service, i) => {
        const used = after[i].user + after[i].system - before[i].user - before[i].system;
        cpuPerRequestUs[service.spec.name] = completed > 0 ? used / completed : NaN;
        systemCpuPerRequestUs[service.spec.name] = completed > 0 ? (after[i].system - before[i].system) / completed : NaN;
      });
      return {
        requestsPerSecond: completed / parsed.seconds,
        p50Ms: parsed.p50Ms,
        p99Ms: parsed.p99Ms,
        completed,
        failed: parsed.non2xx + parsed.socketErrors,
        cpuPerRequestUs,
        systemCpuPerRequestUs,
      };
    },
  };
}

function wrkScript(target: Target): string {
  const lines = ['wrk.method = "POST"', `wrk.body = [==[${target.body}]==]`];
  for (const [name, value] of Object.entries(target.headers)) lines.push(`wrk.headers["${name}"] = [==[${value}]==]`);
  return `${lines.join('\n')}\n`;
}

function runToEnd(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited with ${code}:\n${output}`))));
  });
}

export interface WrkOutput {
  requests: number;
  seconds: number;
  non2xx: number;
  socketErrors: number;
  p50Ms: number;
  p99Ms: number;
}

/** Reads wrk's summary (`--latency`): requests, duration, the 50 % and 99 % latency, non-2xx answers and socket errors. */
export function parseWrk(output: string): WrkOutput {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(output);
  if (total === null) throw new Error(`wrk printed no summary:\n${output}`);
  const percentileMs = (p: string): number => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    return match === null ? NaN : toMs(Number(match[1]), match[2]);
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    seconds: toMs(Number(total[2]), total[3]) / 1000,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: errors === null ? 0 : Number(errors[1]) + Number(errors[2]) + Number(errors[3]) + Number(errors[4]),
    p50Ms: percentileMs('50'),
    p99Ms: percentileMs('99'),
  };
}

function toMs(value: number, unit: string): number {
  if (unit === 'us') return value / 1000;
  if (unit === 's') return value * 1000;
  if (unit === 'm') return value * 60_000;
  return value;
}
