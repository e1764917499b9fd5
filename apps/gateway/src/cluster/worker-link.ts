import type { GracefulShutdown, MetricsRegistry } from '@sluice/platform';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import { isShutdownMessage } from './cluster-messages';

/**
 * A worker's side of the cluster: its registry answers the primary's metrics
 * requests, and it drains when the primary says so (or is gone). Signals go
 * to the primary, which relays them: a signal sent to the whole process group
 * (Ctrl-C in a terminal) must not count twice here, which would force the exit.
 */
export function followPrimary(shutdown: GracefulShutdown, registry: MetricsRegistry, worker: NodeJS.Process = process): void {
  // Constructing one installs the worker's answer to the primary's metrics requests.
  new AggregatorRegistry<PrometheusContentType>();
  AggregatorRegistry.setRegistries([registry]);
  // The first shutdown drains, the second forces: each attempt counts once, however often it is sent.
  let attempts = 0;
  worker.on('message', (message: unknown) => {
    if (!isShutdownMessage(message)) return;
    while (attempts < Math.min(message.attempt, 2)) {
      attempts++;
      void shutdown.shutdown(message.reason);
    }
  });
  worker.on('disconnect', () => {
    if (attempts > 0) return;
    attempts = 1;
    void shutdown.shutdown('the primary process is gone');
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) worker.on(signal, () => undefined);
}
