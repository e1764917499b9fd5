/**
 * The Node flags a production gateway worker is forked with: the defaults of
 * `GATEWAY_WORKER_HEAP_MB` (0: none), `GATEWAY_WORKER_SEMI_SPACE_MB` and
 * `GATEWAY_WORKER_HEAP_GROWTH_PERCENT`
 * (apps/gateway/src/config/gateway.config.ts, applied by
 * apps/gateway/src/cluster/worker-node-flags.ts). The bench runs its gateway as
 * one process (`GATEWAY_WORKERS=1`), which takes its flags from the command
 * line: these, so that it measures what a worker is in production.
 */
export const PRODUCTION_WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=75'];
