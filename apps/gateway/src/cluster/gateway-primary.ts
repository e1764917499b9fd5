import { createLogger, MetricsServer } from '@sluice/platform/process';
import cluster, { type Worker } from 'node:cluster';
import pino, { type Logger } from 'pino';
import { AggregatorRegistry, type PrometheusContentType, type Registry } from 'prom-client';
import type { GatewayConfig } from '../config/gateway.config';
import { SHUTDOWN_MESSAGE, type ShutdownMessage } from './cluster-messages';
import { workerNodeFlags } from './worker-node-flags';

/** A worker that died while serving is replaced after this pause (a crash loop does not spin). */
const RESTART_DELAY_MS = 1_000;

/** GET /metrics on the primary: every worker's registry, asked over IPC and aggregated (counters and histograms summed). */
class ClusterMetricsRegistry extends AggregatorRegistry<PrometheusContentType> {
  override metrics(): Promise<string> {
    return this.clusterMetrics();
  }
}

export interface PrimaryOptions {
  /** Ends the process; tests pass a spy. */
  exit?: (code: number) => void;
}

/**
 * The gateway's primary process when `GATEWAY_WORKERS` > 1: it serves no
 * request itself. It forks the workers (each a whole gateway on the shared
 * API port; the limits stay exact because they live in Redis), serves the one
 * `/metrics` of the pod on `GATEWAY_METRICS_PORT`, relays SIGTERM and SIGINT
 * to every worker (each drains as a single gateway would: readiness fails,
 * requests in flight finish, usage is written), replaces a worker that dies
 * while serving, and exits once every worker has: 0 when all drained cleanly.
 */
export class GatewayPrimary {
  private readonly logger: Logger;
  private readonly metrics: MetricsServer;
  private readonly exitCodes = new Map<number, number>();
  private shuttingDown = false;
  private signalsSeen = 0;
  private everListening = false;
  private finished = false;
  private lastMessage: ShutdownMessage | undefined;
  private resolveStarted!: () => void;
  private rejectStarted!: (error: Error) => void;

  constructor(
    private readonly config: GatewayConfig,
    private readonly options: PrimaryOptions = {},
  ) {
    this.metrics = new MetricsServer(new ClusterMetricsRegistry() as Registry);
    // Its few lines (started, draining, a worker replaced, exiting) are written whatever LOG_LEVEL says, as Nest's
    // console logger wrote them before; at once, since the last one comes just before the process exits.
    const level = config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'info';
    this.logger = createLogger({ service: 'ai-gateway', level, destination: pino.destination({ sync: true }) }).child({ context: 'Primary' });
  }

  /** Resolves once every worker listens; rejects when one fails before any did (a start-up error). */
  async start(): Promise<void> {
    await this.metrics.listen({ port: this.config.metricsPort, host: this.config.host });
    const started = new Promise<void>((resolve, reject) => {
      this.resolveStarted = resolve;
      this.rejectStarted = reject;
    });
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    // A worker still starting when the signal came may have missed the message: it gets it again once it listens.
    cluster.on('listening', (worker) => {
      if (this.shuttingDown && this.lastMessage !== undefined && worker.isConnected()) worker.send(this.lastMessage);
    });
    // Each worker's V8 heap settings (GATEWAY_WORKER_HEAP_MB, GATEWAY_WORKER_SEMI_SPACE_MB, GATEWAY_WORKER_HEAP_GROWTH_PERCENT), after the flags Node was started with.
    cluster.setupPrimary({ execArgv: [...process.execArgv, ...workerNodeFlags(this.config.workerHeap)] });
    for (let i = 0; i < this.config.workers; i++) this.fork();
    let listening = 0;
    const onListening = () => {
      if (++listening < this.config.workers) return;
      cluster.off('listening', onListening);
      this.everListening = true;
      this.resolveStarted();
    };
    cluster.on('listening', onListening);
    await started;
  }

  /** The first signal drains every worker; the next one stops them at once. Returns the uninstaller. */
  handleSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const onSignal = (signal: NodeJS.Signals) => this.shutdown(signal);
    for (const signal of signals) process.on(signal, onSignal);
    return () => {
      for (const signal of signals) process.off(signal, onSignal);
    };
  }

  shutdown(reason: string): void {
    this.shuttingDown = true;
    this.signalsSeen++;
    const message: ShutdownMessage = { type: SHUTDOWN_MESSAGE, attempt: Math.min(this.signalsSeen, 2), reason };
    this.lastMessage = message;
    if (this.signalsSeen === 1) this.logger.info(`${reason}: draining ${this.liveWorkers().length} worker(s)`);
    for (const worker of this.liveWorkers()) if (worker.isConnected()) worker.send(message);
    if (this.liveWorkers().length === 0) void this.finish();
  }

  /** One line of the primary's own log. */
  log(message: string): void {
    this.logger.info(message);
  }

  get metricsUrl(): string {
    return `${this.metrics.url}/metrics`;
  }

  private fork(): void {
    const worker = cluster.fork();
    this.exitCodes.set(worker.id, -1);
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.exitCodes.set(worker.id, code ?? 1);
    if (this.shuttingDown) {
      if (this.liveWorkers().length === 0) void this.finish();
      return;
    }
    const how = signal === null ? `with code ${code}` : `on ${signal}`;
    if (!this.everListening) {
      // A worker that cannot start (configuration, a dependency) fails the whole start, as a single process would.
      this.shuttingDown = true;
      for (const other of this.liveWorkers()) other.kill('SIGKILL');
      void this.metrics.close();
      this.rejectStarted(new Error(`a gateway worker exited ${how} before the gateway was listening`));
      return;
    }
    this.logger.error(`Worker ${worker.process.pid} exited ${how}; starting another in ${RESTART_DELAY_MS} ms`);
    setTimeout(() => {
      if (!this.shuttingDown) this.fork();
    }, RESTART_DELAY_MS).unref();
  }

  private liveWorkers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.metrics.close();
    const clean = [...this.exitCodes.values()].every((code) => code === 0);
    this.logger.info(clean ? 'Every worker drained and closed' : 'A worker did not drain cleanly');
    (this.options.exit ?? ((code: number) => process.exit(code)))(clean ? 0 : 1);
  }
}
