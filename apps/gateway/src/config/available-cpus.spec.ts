import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableCpus, cgroupCpuQuota } from './available-cpus';

describe('availableCpus', () => {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-cpu-max-'));
  const cpuMax = (text: string): string => {
    const file = join(directory, `cpu.max-${Math.random()}`);
    writeFileSync(file, text);
    return file;
  };
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('reads the container quota in CPUs, and none when unlimited or absent', () => {
    expect(cgroupCpuQuota(cpuMax('150000 100000\n'))).toBe(1.5);
    expect(cgroupCpuQuota(cpuMax('max 100000\n'))).toBeNull();
    expect(cgroupCpuQuota(join(directory, 'missing'))).toBeNull();
  });

  it('is the schedulable cores, capped by the quota rounded up, and at least 1', () => {
    expect(availableCpus(join(directory, 'missing'))).toBe(availableParallelism());
    expect(availableCpus(cpuMax('50000 100000'))).toBe(1);
    expect(availableCpus(cpuMax(`${availableParallelism() * 400000} 100000`))).toBe(availableParallelism());
  });
});
