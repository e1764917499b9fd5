import { Injectable, Logger } from '@nestjs/common';

/** Work to finish before the process goes: flush a buffer, stop a consumer after its last acknowledgement. */
export type DrainStep = () => Promise<void> | void;

/**
 * The drain steps of an app. They run once the HTTP server has closed (every
 * request and stream in flight has finished, so nothing adds to a buffer any
 * more) and before Nest's `onApplicationShutdown` hooks close Redis and the
 * database pool, which the steps may still use.
 *
 * Register from a provider's constructor or `onModuleInit`:
 * `hooks.register('usage buffer flush', () => this.buffer.flush())`.
 * Steps run one after another in registration order; one that fails is logged
 * and the others still run.
 */
@Injectable()
export class ShutdownHooks {
  private readonly logger = new Logger('Shutdown');
  private readonly steps: { name: string; step: DrainStep }[] = [];
  private ran: Promise<void> | undefined;

  register(name: string, step: DrainStep): void {
    if (this.ran) throw new Error(`Drain step "${name}" registered after the drain began`);
    this.steps.push({ name, step });
  }

  /** Runs every step once; later calls wait for that one run. */
  run(): Promise<void> {
    this.ran ??= this.runSteps();
    return this.ran;
  }

  private async runSteps(): Promise<void> {
    for (const { name, step } of this.steps) {
      try {
        await step();
        this.logger.log(`Drain step done: ${name}`);
      } catch (error) {
        this.logger.error(`Drain step failed: ${name} (${error instanceof Error ? error.message : String(error)})`);
      }
    }
  }
}
