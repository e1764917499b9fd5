import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { DueDelivery } from './webhooks.repository';

export const WEBHOOK_QUEUE = 'webhooks';
export const DELIVER_JOB = 'deliver';

export interface DeliverJobData {
  delivery_id: string;
  endpoint_id: string;
  /** The delivery's attempt count when queued: a job for an attempt already made finds nothing to do. */
  attempt: number;
}

/**
 * Hands deliveries to the job runner, one job per attempt. The job id names
 * the delivery and the attempt, so queueing the same attempt twice (the
 * relay and the sweeper racing, two replicas) makes one job.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(@InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<DeliverJobData>) {}

  async dispatch(deliveries: readonly DueDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const now = Date.now();
    await this.queue.addBulk(
      deliveries.map((delivery) => ({
        name: DELIVER_JOB,
        data: { delivery_id: delivery.id, endpoint_id: delivery.endpoint_id, attempt: delivery.attempt_count },
        opts: {
          jobId: `${delivery.id}_${delivery.attempt_count}`,
          delay: Math.max(0, new Date(delivery.next_attempt_at).getTime() - now),
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }
}
