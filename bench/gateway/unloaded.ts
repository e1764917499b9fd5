import { Agent, request } from 'node:http';
import type { ServiceProcess } from './service-process';
import type { Target } from './targets';

/** One request's timings in milliseconds: first body byte and end of body. */
export interface Timing {
  firstByteMs: number;
  totalMs: number;
}

/** One way of calling, measured one request at a time; `process` is whose CPU is charged to its requests (none for direct). */
export interface UnloadedSide {
  name: string;
  target: Target;
  process?: ServiceProcess;
}

export interface UnloadedSamples {
  timings: Record<string, Timing[]>;
  /** CPU microseconds per request of each side's own process, one at a time (no contention from concurrent requests). */
  cpuPerRequestUs: Record<string, number>;
}

/**
 * One request at a time, the sides taking turns so all see the same machine
 * load, each over its own keep-alive connection (as a real client, and the
 * gateway's own upstream pool, would). The turns come in a new random order
 * every round: the services share one core, and what a side does after its
 * answer (settlement, usage event, log line) overlaps the next side's request,
 * so a fixed order charged each side with its predecessor's tail.
 */
export async function measureUnloaded(sides: UnloadedSide[], count: number): Promise<UnloadedSamples> {
  const agents = sides.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const timings: Record<string, Timing[]> = Object.fromEntries(sides.map((side) => [side.name, []]));
  // Only its own side's requests reach a side's process: its CPU over the whole loop is its CPU for them.
  const cpuBefore = sides.map((side) => side.process?.cpuMicros() ?? 0);
  try {
    for (let i = 0; i < count; i++) {
      for (const s of shuffledIndices(sides.length)) timings[sides[s].name].push(await timeOne(sides[s].target, agents[s]));
    }
    // Settlement and metering run after the last response.
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    for (const agent of agents) agent.destroy();
  }
  const cpuPerRequestUs: Record<string, number> = {};
  sides.forEach((side, s) => {
    if (side.process !== undefined) cpuPerRequestUs[side.name] = (side.process.cpuMicros() - cpuBefore[s]) / count;
  });
  return { timings, cpuPerRequestUs };
}

/** 0 … count-1 in random order (Fisher–Yates). */
function shuffledIndices(count: number): number[] {
  const indices = Array.from({ length: count }, (_, index) => index);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices;
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
