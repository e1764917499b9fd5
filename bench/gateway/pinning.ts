import { spawnSync } from 'node:child_process';

/** The core the load generator runs on; the services run on the other. */
export const LOAD_CORE = '0';
export const SERVICE_CORES = '1';

/** True when `taskset` can pin processes (util-linux; two cores or more). */
export function canPin(): boolean {
  return spawnSync('taskset', ['-c', SERVICE_CORES, 'true']).status === 0;
}

/** The command that starts a service pinned to the services' core, when pinning is possible. */
export function pinned(command: string, args: string[], pin: boolean): [string, string[]] {
  return pin ? ['taskset', ['-c', SERVICE_CORES, command, ...args]] : [command, args];
}

