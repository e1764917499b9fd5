import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The cgroup v2 CPU limit a container runs under (`cpu.max`: quota and period, or `max`). */
const CGROUP_CPU_MAX = '/sys/fs/cgroup/cpu.max';

/**
 * The CPUs this process may use: the cores it may be scheduled on, capped by
 * the container's CPU quota rounded up (a pod limited to 1.5 CPUs gets 2).
 */
export function availableCpus(cpuMaxFile = CGROUP_CPU_MAX): number {
  const cores = availableParallelism();
  const quota = cgroupCpuQuota(cpuMaxFile);
  return quota === null ? cores : Math.max(1, Math.min(cores, Math.ceil(quota)));
}

/** The quota in CPUs, or null when there is none (or no cgroup v2 file). */
export function cgroupCpuQuota(cpuMaxFile: string): number | null {
  let text: string;
  try {
    text = readFileSync(cpuMaxFile, 'utf8');
  } catch {
    return null;
  }
  const [quota, period] = text.trim().split(/\s+/);
  const cpus = Number(quota) / Number(period);
  return quota === 'max' || !Number.isFinite(cpus) || cpus <= 0 ? null : cpus;
}
