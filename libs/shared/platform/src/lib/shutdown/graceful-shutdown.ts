import { Logger, type INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ShutdownSettings } from '../config/shutdown-settings';
import { DrainState } from './drain-state';

export const EXIT_CLEAN = 0;
export const EXIT_FORCED = 1;
const IDLE_SWEEP_INTERVAL_MS = 100;

/**
 * Stops an app built by createHttpApp the way an orchestrator expects:
 *
 * 1. readiness answers 503 at once (DrainState);
 * 2. for `drainDelayMs` everything else is served as before, while load
 *    balancers notice;
 * 3. `app.close()`: the listener closes (new connections are refused), idle
 *    keep-alive connections close, requests and streams in flight finish, then
 *    the ShutdownHooks drain steps run, then Nest's `onApplicationShutdown`
 *    hooks close Redis and the database pool;
 * 4. the process exits 0.
 *
 * If step 3 outlasts `graceMs`, or a second signal arrives, the remaining
 * connections are cut and the process exits 1 at once.
 *
 * Nest's own `enableShutdownHooks` is not used: it closes without the pause,
 * without a deadline, and re-raises the signal, so the exit code is never 0.
 */
export class GracefulShutdown {
  private readonly logger = new Logger('Shutdown');
  private outcome: Promise<number> | undefined;
  private endPause: (() => void) | undefined;
  private forceExit: ((code: number) => void) | undefined;

  constructor(
    private readonly app: INestApplication,
    private readonly settings: ShutdownSettings,
    /** Ends the process; tests pass a spy. */
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  /** The first of these signals starts the drain, the next one forces the exit. Returns the uninstaller. */
  handleSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const onSignal = (signal: NodeJS.Signals) => void this.shutdown(signal);
    for (const signal of signals) process.on(signal, onSignal);
    return () => {
      for (const signal of signals) process.off(signal, onSignal);
    };
  }

  /** Starts the drain (or, when it has started, forces the exit); resolves with the exit code. */
  shutdown(reason: string): Promise<number> {
    if (this.outcome) {
      this.force(`${reason} received while draining`);
      return this.outcome;
    }
    this.outcome = this.drain(reason).then((code) => {
      this.exit(code);
      return code;
    });
    return this.outcome;
  }

  private async drain(reason: string): Promise<number> {
    this.app.get(DrainState).beginDraining();
    // Answers from now on carry `Connection: close`: clients reconnect, through
    // the load balancer, to another replica instead of reusing this one.
    this.server().prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      response.shouldKeepAlive = false;
    });
    this.logger.log(
      `${reason}: readiness now fails; closing to new connections in ${this.settings.drainDelayMs} ms, then up to ${this.settings.graceMs} ms for work in flight`,
    );
    const forced = new Promise<number>((resolve) => (this.forceExit = resolve));
    return Promise.race([this.closeGracefully(), forced]);
  }

  private async closeGracefully(): Promise<number> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.settings.drainDelayMs);
      this.endPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const deadline = setTimeout(() => this.force(`the shutdown grace of ${this.settings.graceMs} ms ran out`), this.settings.graceMs);
    // The listener's close waits for every connection to end, but one that was
    // kept alive before the drain goes idle when its last answer is sent and
    // would then linger until its keep-alive timeout: close those as they idle.
    const idleSweep = setInterval(() => this.server().closeIdleConnections(), IDLE_SWEEP_INTERVAL_MS);
    try {
      await this.app.close();
      this.logger.log('Drained and closed');
      return EXIT_CLEAN;
    } catch (error) {
      this.logger.error(`Closing failed: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT_FORCED;
    } finally {
      clearTimeout(deadline);
      clearInterval(idleSweep);
    }
  }

  /** Cuts every open connection (what is in flight fails) and settles the exit code as forced. */
  private force(why: string): void {
    this.logger.error(`Forcing exit: ${why}`);
    this.endPause?.();
    this.server().closeAllConnections();
    this.forceExit?.(EXIT_FORCED);
  }

  private server(): Server {
    return this.app.getHttpServer() as Server;
  }
}
