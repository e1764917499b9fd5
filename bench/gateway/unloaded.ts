import { Agent, request } from 'node:http';
import type { ServiceProcess } from './service-process';
import type { Target } from './targets';

/** One request's timings in milliseconds: first body byte and end of body. */
export interface Timing {
  firstByteMs: number;
  totalMs: number;
}

export interface UnloadedSamples {
  direct: Timing[];
  gateway: Timing[];
  /** Gateway CPU microseconds per request, one at a time (no contention from concurrent requests). */
  gatewayCpuPerRequestUs: number;
}

/**
 * One request at a time, alternating direct and gateway so both see the same
 * machine load, each over its own keep-alive connection (as a real client,
 * and the gateway's own upstream pool, would).
 */
export async function measureUnloaded(direct: Target, gateway: Target, count: number, gatewayProcess: ServiceProcess): Promise<UnloadedSamples> {
  const directAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const gatewayAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: Omit<UnloadedSamples, 'gatewayCpuPerRequestUs'> = { direct: [], gateway: [] };
  // The direct requests never touch the gateway: its CPU over the whole loop is its CPU for its requests.
  const cpuBefore = gatewayProcess.cpuMicros();
  try {
    for (let i = 0; i < count; i++) {
      samples.direct.push(await timeOne(direct, directAgent));
      samples.gateway.push(await timeOne(gateway, gatewayAgent));
    }
    // Settlement and metering run after the last response.
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    directAgent.destroy();
    gatewayAgent.destroy();
  }
  const gatewayCpuUs = gatewayProcess.cpuMicros() - cpuBefore;
  return { ...samples, gatewayCpuPerRequestUs: gatewayCpuUs / count };
}

function timeOne(target: Target, agent: Agent): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let firstByte: bigint | undefined;
    const req = request(target.url, { method: 'POST', agent, headers: { ...target.headers, 'content-length': Buffer.byteLength(target.body) } }, (res) => {
      res.on('data', () => {
        firstByte ??= process.hrtime.bigint();
      });
      res.on('end', () => {
        const end = process.hrtime.bigint();
        if (res.statusCode !== 200) return reject(new Error(`${target.url} answered ${res.statusCode}`));
        resolve({ firstByteMs: Number((firstByte ?? end) - start) / 1e6, totalMs: Number(end - start) / 1e6 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(target.body);
  });
}

/** The nearest-rank percentile of `values` (0 < p ≤ 100). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
