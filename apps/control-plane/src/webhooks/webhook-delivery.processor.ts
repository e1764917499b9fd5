import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { EndpointSlots } from './endpoint-slots';
import { WebhookDeliverer } from './webhook-deliverer';
import { WEBHOOK_QUEUE, type DeliverJobData } from './webhook-dispatcher';

/** Deliveries in flight per process, across all endpoints. */
export const DELIVERY_CONCURRENCY = 64;
/** Deliveries in flight per endpoint and process: a slow receiver holds at most these. */
export const PER_ENDPOINT_CONCURRENCY = 8;

/** Runs delivery attempts from the job runner, with a per-endpoint cap (endpoint-slots.ts). */
@Processor(WEBHOOK_QUEUE, { concurrency: DELIVERY_CONCURRENCY })
export class WebhookDeliveryJobs extends WorkerHost {
  private readonly logger = new Logger('Webhooks');
  private readonly slots = new EndpointSlots(PER_ENDPOINT_CONCURRENCY);

  constructor(private readonly deliverer: WebhookDeliverer) {
    super();
  }

  async process(job: Job<DeliverJobData>, token?: string): Promise<string> {
    const { delivery_id: deliveryId, endpoint_id: endpointId, attempt } = job.data;
    if (!this.slots.tryAcquire(endpointId)) {
      await job.moveToDelayed(Date.now() + this.slots.waitMs(endpointId), token);
      throw new DelayedError();
    }
    const started = performance.now();
    try {
      return await this.deliverer.attempt(deliveryId, attempt);
    } catch (error) {
      // The claim's lease runs out and the sweeper queues the attempt again.
      this.logger.warn(`Webhook delivery ${deliveryId} attempt failed to run: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      this.slots.release(endpointId, performance.now() - started);
    }
  }
}
