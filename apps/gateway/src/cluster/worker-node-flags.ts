import type { WorkerHeapSettings } from '../config/gateway.config';

const OLD_SPACE_FLAG = '--max-old-space-size';
const SEMI_SPACE_FLAG = '--max-semi-space-size';
const HEAP_GROWTH_FLAG = '--heap-growing-percent';

/**
 * The Node flags a worker is forked with: the V8 heap settings of
 * `GATEWAY_WORKER_HEAP_MB`, `GATEWAY_WORKER_SEMI_SPACE_MB` and
 * `GATEWAY_WORKER_HEAP_GROWTH_PERCENT` (0 leaves V8's own). A setting the
 * operator already gave Node (on the command line, which workers inherit, or
 * in `NODE_OPTIONS`) wins: it is not given twice.
 */
export function workerNodeFlags(heap: WorkerHeapSettings, inherited: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): string[] {
  const given = [...inherited, ...nodeOptions.split(/\s+/)];
  // V8 reads `--max_old_space_size` as `--max-old-space-size`.
  const isGiven = (flag: string) => given.some((arg) => arg.split('=')[0].replace(/_/g, '-') === flag);
  const flags: string[] = [];
  if (heap.oldSpaceMb > 0 && !isGiven(OLD_SPACE_FLAG)) flags.push(`${OLD_SPACE_FLAG}=${heap.oldSpaceMb}`);
  if (heap.semiSpaceMb > 0 && !isGiven(SEMI_SPACE_FLAG)) flags.push(`${SEMI_SPACE_FLAG}=${heap.semiSpaceMb}`);
  if (heap.growthPercent > 0 && !isGiven(HEAP_GROWTH_FLAG)) flags.push(`${HEAP_GROWTH_FLAG}=${heap.growthPercent}`);
  return flags;
}
