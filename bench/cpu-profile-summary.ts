/**
 * Summarises a V8 `.cpuprofile` (e.g. the gateway's, from
 * `BENCH_CPU_PROFILE_DIR=... npm run bench`): the top frames by self time and
 * self time by package. Usage:
 * `TS_NODE_TRANSPILE_ONLY=true node -r ts-node/register bench/cpu-profile-summary.ts <file.cpuprofile> [top=25]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/<package>` (scoped included), the bundle, node internals, or V8's own buckets. */
function packageOf(url: string, functionName: string): string {
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) return modules[1];
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  return url.replace(/^.*\/(dist|apps|libs)\//, '$1/');
}

function main(): void {
  const [file, topArgument] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topArgument ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
  const idle = [...selfMicros].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, value]) => sum + value, 0);
  const busy = total - idle;

  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = byId.get(id)?.callFrame ?? { functionName: '?', url: '', lineNumber: 0 };
    if (functionName === '(idle)') continue;
    const frame = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
    frames.set(frame, (frames.get(frame) ?? 0) + micros);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
  }
  const percent = (micros: number): string => `${((100 * micros) / busy).toFixed(1).padStart(5)}%`;
  console.log(`busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled\n\nself time by package:`);
  for (const [name, micros] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${percent(micros)}  ${name}`);
  console.log('\ntop frames by self time:');
  for (const [name, micros] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${percent(micros)}  ${name}`);
}

main();
