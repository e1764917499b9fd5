import autocannon from 'autocannon';
import type { ServiceProcess } from './service-process';
import type { Target } from './targets';

const SETTLE_MS = 300;

export interface LoadedResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests answered 2xx: the denominator of the CPU figures. */
  completed: number;
  failed: number;
  /** CPU microseconds per completed request, by process name. */
  cpuPerRequestUs: Record<string, number>;
  /** The part of `cpuPerRequestUs` spent in the kernel. */
  systemCpuPerRequestUs: Record<string, number>;
}

/**
 * `connections` concurrent keep-alive connections for `durationSeconds`
 * (autocannon, in this process), reading each service's CPU time from /proc
 * before and after.
 */
export async function measureLoaded(
  target: Target,
  connections: number,
  durationSeconds: number,
  services: ServiceProcess[],
): Promise<LoadedResult> {
  const before = services.map((service) => service.cpuTimes());
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections,
    duration: durationSeconds,
    timeout: 30,
  });
  // Settlement and metering run after each response: let the last ones finish inside the measurement.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const after = services.map((service) => service.cpuTimes());
  const completed = result['2xx'];
  const cpuPerRequestUs: Record<string, number> = {};
  const systemCpuPerRequestUs: Record<string, number> = {};
  services.forEach((service, i) => {
    const used = after[i].user + after[i].system - before[i].user - before[i].system;
    cpuPerRequestUs[service.spec.name] = completed > 0 ? used / completed : NaN;
    systemCpuPerRequestUs[service.spec.name] = completed > 0 ? (after[i].system - before[i].system) / completed : NaN;
  });
  return {
    requestsPerSecond: completed / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    completed,
    failed: result.non2xx + result.errors + result.timeouts,
    cpuPerRequestUs,
    systemCpuPerRequestUs,
  };
}
