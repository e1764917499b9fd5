import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnitOfWork } from '@sluice/control-plane/data-access';
import type { Queue } from 'bullmq';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { EventEffects, EventNotApplicable } from './event-effects';
import { EventsRepository } from './events.repository';
import { ProvidersRepository } from './providers.repository';

export const INTEGRATIONS_QUEUE = 'integrations';
export const PROCESS_EVENT_JOB = 'process-event';

export interface ProcessEventData {
  event: string;
}

/** What one attempt came to: done, or a retry after `retryInMs`. */
export type AttemptResult = { kind: 'done'; outcome: string } | { kind: 'retry'; retryInMs: number; error: string };

/** One BullMQ job per stored event (its id is the event's, so a redelivery does not add another). */
export const eventJobId = (eventId: string): string => `event-${eventId}`;

/**
 * Processing of stored inbound events (docs/integrations.md, Processing and
 * retries): the effect and the `processed` status commit in one transaction
 * under a lock on the event's row, so a job run twice (a replica killed
 * mid-way, a retry by hand racing the schedule) applies it once. A failed
 * attempt is retried after the next delay of INBOUND_RETRY_SCHEDULE, and is
 * `failed` after the last.
 */
@Injectable()
export class EventProcessing {
  private readonly logger = new Logger('Integrations');

  constructor(
    @InjectQueue(INTEGRATIONS_QUEUE) private readonly queue: Queue<ProcessEventData>,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly events: EventsRepository,
    private readonly providers: ProvidersRepository,
    private readonly effects: EventEffects,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async enqueue(eventId: string): Promise<void> {
    await this.queue.add(PROCESS_EVENT_JOB, { event: eventId }, { jobId: eventJobId(eventId), removeOnComplete: true, removeOnFail: true, attempts: 1 });
  }

  /** Processing by hand: a retry waiting for its delay runs now; otherwise the event is enqueued (a no-op while its job runs). */
  async runNow(eventId: string): Promise<void> {
    const job = await this.queue.getJob(eventJobId(eventId));
    if (job && (await job.isDelayed())) await job.promote();
    else await this.enqueue(eventId);
  }

  async attempt(eventId: string): Promise<AttemptResult> {
    await this.events.markProcessing(eventId);
    try {
      const outcome = await this.unitOfWork.run(async (tx) => {
        const event = await this.events.lock(tx, eventId);
        if (!event) return 'deleted';
        if (event.status === 'processed') return event.outcome ?? 'processed';
        const provider = await this.providers.findById(event.tenant_id, event.provider_id, tx);
        if (!provider) return 'deleted';
        const result = await this.effects.apply(tx, event, provider);
        await this.events.markProcessed(tx, eventId, result);
        return result;
      });
      return { kind: 'done', outcome };
    } catch (error) {
      const message = error instanceof EventNotApplicable ? error.message : 'Processing failed (an internal error; the request id is in the control plane log)';
      if (!(error instanceof EventNotApplicable)) this.logger.error(`Inbound event ${eventId}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return this.afterFailure(eventId, message);
    }
  }

  private async afterFailure(eventId: string, message: string): Promise<AttemptResult> {
    const event = await this.events.find(eventId);
    const delay = event ? this.config.integrations.retryScheduleMs[event.retry_count] : undefined;
    await this.events.markAttemptFailed(eventId, message, delay !== undefined);
    return delay === undefined ? { kind: 'done', outcome: 'failed' } : { kind: 'retry', retryInMs: delay, error: message };
  }
}
