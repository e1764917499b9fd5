import type { WorkerHeapSettings } from '../config/gateway.config';

const OLD_SPACE_FLAG = '--max-old-space-size';
const SEMI_SPACE_FLAG = '--max-semi-space-size';

/**
 * The Node flags a worker is forked with: the V8 heap limits of
 * `GATEWAY_WORKER_HEAP_MB` and `GATEWAY_WORKER_SEMI_SPACE_MB` (0 leaves V8's
 * own). A limit the operator already gave Node (on the command line, which
 * workers inherit, or in `NODE_OPTIONS`) wins: it is not given twice.
 */
export function workerNodeFlags(heap: WorkerHeapSettings, inherited: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): string[] {
  const given = [...inherited, ...nodeOptions.split(/\s+/)];
  // V8 reads `--max_old_space_size` as `--max-old-space-size`.
  const isGiven = (flag: string) => given.some((arg) => arg.split('=')[0].replace(/_/g, '-') === flag);
  const flags: string[] = [];
  if (heap.oldSpaceMb > 0 && !isGiven(OLD_SPACE_FLAG)) flags.push(`${OLD_SPACE_FLAG}=${heap.oldSpaceMb}`);
  if (heap.semiSpaceMb > 0 && !isGiven(SEMI_SPACE_FLAG)) flags.push(`${SEMI_SPACE_FLAG}=${heap.semiSpaceMb}`);
  return flags;
}
