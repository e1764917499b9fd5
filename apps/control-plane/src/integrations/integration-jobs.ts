import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit, type Provider } from '@nestjs/common';
import { DelayedError, type Job, type Queue } from 'bullmq';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReady } from '../database/schema-ready';
import { DataSync, SYNC_JOB, type SyncJobData } from './data-sync';
import { EventProcessing, INTEGRATIONS_QUEUE, PROCESS_EVENT_JOB, type ProcessEventData } from './event-processing';
import { EventsRepository } from './events.repository';
import { HealthProber } from './health-prober';

export const PROBE_HEALTH_JOB = 'probe-health';
export const SWEEP_EVENTS_JOB = 'sweep-events';
/** An event still unprocessed this long after its last change has lost its job (Redis lost it): it is enqueued again. */
const STRANDED_AFTER_MS = 5 * 60_000;

type IntegrationJob = Job<ProcessEventData | SyncJobData | Record<string, never>>;

/**
 * The repeatable jobs of integrations. A job scheduler is one per queue and
 * id, whichever replica upserts it, so each interval gives one health round
 * and one sweep across every replica.
 */
@Injectable()
export class IntegrationSchedules implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Integrations');

  constructor(
    @InjectQueue(INTEGRATIONS_QUEUE) private readonly queue: Queue,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly events: EventsRepository,
    private readonly processing: EventProcessing,
    private readonly schema: SchemaReady,
  ) {}

  onModuleInit(): void {
    this.queue.on('error', (error: Error) => this.logger.warn(`Integrations job queue: ${error.message}`));
  }

  async onApplicationBootstrap(): Promise<void> {
    const opts = { removeOnComplete: true, removeOnFail: true };
    await Promise.all([
      this.queue.upsertJobScheduler(PROBE_HEALTH_JOB, { every: this.config.integrations.healthIntervalMs }, { name: PROBE_HEALTH_JOB, opts }),
      this.queue.upsertJobScheduler(SWEEP_EVENTS_JOB, { every: 60_000 }, { name: SWEEP_EVENTS_JOB, opts }),
    ]).catch((error: unknown) => this.logger.warn(`Integration schedules not set: ${error instanceof Error ? error.message : String(error)}`));
    await this.schema.whenMigrated('enqueueing stranded inbound events', () =>
      this.sweep().then(
        () => undefined,
        (error: unknown) => this.logger.warn(`Stranded inbound events not enqueued on start: ${error instanceof Error ? error.message : String(error)}`),
      ),
    );
  }

  /** Enqueues events whose job is gone; an event whose job still exists is left to it (same job id). */
  async sweep(): Promise<number> {
    const stranded = await this.events.stranded(STRANDED_AFTER_MS);
    for (const { id } of stranded) await this.processing.enqueue(id);
    return stranded.length;
  }
}

/** The integrations queue's worker; `integrationJobsProvider` declares it a processor, with its lock settings. */
export class IntegrationJobs extends WorkerHost {
  private readonly logger = new Logger('Integrations');

  constructor(
    private readonly processing: EventProcessing,
    private readonly prober: HealthProber,
    private readonly sync: DataSync,
    private readonly schedules: IntegrationSchedules,
  ) {
    super();
  }

  async process(job: IntegrationJob, token?: string): Promise<string> {
    switch (job.name) {
      case PROCESS_EVENT_JOB: {
        const result = await this.processing.attempt((job.data as ProcessEventData).event);
        if (result.kind === 'done') return result.outcome;
        // The same job waits out the delay: nothing is lost if this replica stops meanwhile.
        await job.moveToDelayed(Date.now() + result.retryInMs, token);
        throw new DelayedError();
      }
      case PROBE_HEALTH_JOB:
        return `${await this.prober.probeAll(job.id ?? 'round')} providers probed`;
      case SYNC_JOB:
        return this.sync.run(job as Job<SyncJobData>);
      case SWEEP_EVENTS_JOB:
        return `${await this.schedules.sweep()} stranded events enqueued`;
      default:
        return 'unknown job';
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`Integrations job worker: ${error.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn(`Integrations job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`);
  }
}

/**
 * A job whose replica died is taken over by another once its lock expires
 * (INTEGRATIONS_JOB_LOCK_MS, renewed every half of it while the job runs;
 * stalled jobs are looked for at the same interval), up to five times before
 * BullMQ gives it up. `@Processor` takes its options where a class is
 * declared, before the config is read, so the worker class is declared here.
 */
export const integrationJobsProvider: Provider = {
  provide: IntegrationJobs,
  inject: [CONTROL_PLANE_CONFIG, EventProcessing, HealthProber, DataSync, IntegrationSchedules],
  useFactory: (config: ControlPlaneConfig, processing: EventProcessing, prober: HealthProber, sync: DataSync, schedules: IntegrationSchedules) => {
    const lockMs = config.integrations.jobLockMs;
    class ConfiguredIntegrationJobs extends IntegrationJobs {}
    Processor(INTEGRATIONS_QUEUE, { maxStalledCount: 5, lockDuration: lockMs, stalledInterval: lockMs })(ConfiguredIntegrationJobs);
    return new ConfiguredIntegrationJobs(processing, prober, sync, schedules);
  },
};
