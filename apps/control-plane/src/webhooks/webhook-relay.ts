import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchemaReady } from '../database/schema-ready';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhooksRepository } from './webhooks.repository';

const FAN_OUT_INTERVAL_MS = 250;
const FAN_OUT_BATCH = 200;
const SWEEP_INTERVAL_MS = 5_000;
const SWEEP_BATCH = 1_000;

/**
 * Moves committed outbox events into deliveries and hands those to the job
 * runner (docs/webhooks.md, Delivery guarantees). Every replica polls; the
 * fan-out skips rows another replica holds. The sweeper queues again any
 * delivery that is due but that no job carries — its job was lost with Redis,
 * never queued because the process died after the fan-out committed, or its
 * attempt died with its process (the claim's lease ran out) — so a crash at
 * any point delays a delivery but never loses it.
 */
@Injectable()
export class WebhookRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private timers: NodeJS.Timeout[] = [];
  private fanningOut: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly schema: SchemaReady,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schema.whenMigrated('delivering webhooks', async () => {
      if (this.stopped) return;
      this.timers.push(setInterval(() => void this.fanOut(), FAN_OUT_INTERVAL_MS).unref());
      this.timers.push(setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS).unref());
      void this.sweep();
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Drains the outbox; one drain at a time per process. */
  fanOut(): Promise<void> {
    this.fanningOut ??= this.drain().finally(() => (this.fanningOut = null));
    return this.fanningOut;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const { drained, deliveries } = await this.webhooks.fanOut(FAN_OUT_BATCH);
        await this.dispatcher.dispatch(deliveries).catch((error: unknown) => this.logger.warn(`Webhook deliveries left to the sweeper: ${describe(error)}`));
        if (drained < FAN_OUT_BATCH || this.stopped) return;
      }
    } catch (error) {
      this.logger.warn(`Webhook outbox not drained: ${describe(error)}`);
    }
  }

  async sweep(): Promise<void> {
    try {
      const due = await this.webhooks.dueUnclaimed(SWEEP_INTERVAL_MS, SWEEP_BATCH);
      await this.dispatcher.dispatch(due);
    } catch (error) {
      this.logger.warn(`Webhook sweep failed: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
