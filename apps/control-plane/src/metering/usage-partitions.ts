import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { addMonths, monthOf, partitionName, UsagePartitionsRepository, type Month } from '@sluice/control-plane/data-access';
import type { Queue } from 'bullmq';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';

export const USAGE_PARTITIONS_QUEUE = 'usage-partitions';
export const USAGE_PARTITIONS_JOB = 'usage-partitions-maintenance';

export interface UsagePartitionsReport {
  created: string[];
  detached: string[];
}

/**
 * Keeps the monthly partitions of `usage_events` (docs/operations.md, "Usage
 * event partitions"):
 *
 * 1. a partition for the current month and `USAGE_PARTITIONS_AHEAD_MONTHS`
 *    after it, so the ingest finds its month's partition ready;
 * 2. a partition for each month of the events the DEFAULT partition caught
 *    (an event far ahead, or behind every partition), moving them into it,
 *    except months past retention;
 * 3. with `USAGE_EVENTS_RETENTION_MONTHS` = N, the partitions of months
 *    before the N months preceding the current one are detached (kept as
 *    tables, no longer part of `usage_events`).
 *
 * Every step is idempotent: a second run, or two replicas' runs at once,
 * change nothing more.
 */
@Injectable()
export class UsagePartitionsMaintenance {
  private readonly logger = new Logger('UsagePartitions');

  constructor(
    private readonly partitions: UsagePartitionsRepository,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async run(now = new Date()): Promise<UsagePartitionsReport> {
    const { aheadMonths, retentionMonths } = this.config.usagePartitions;
    const current = monthOf(now);
    const cutoff: Month | null = retentionMonths === null ? null : addMonths(current, -retentionMonths);
    const created: string[] = [];
    const ensure = async (month: Month) => {
      if (await this.partitions.ensureMonth(month)) created.push(partitionName(month));
    };
    for (let offset = 0; offset <= aheadMonths; offset++) await ensure(addMonths(current, offset));
    for (const month of await this.partitions.monthsInDefault()) {
      if (cutoff === null || month >= cutoff) await ensure(month);
    }
    const detached = cutoff === null ? [] : await this.partitions.detachBefore(cutoff);
    if (created.length > 0) this.logger.log(`Created usage event partitions: ${created.join(', ')}`);
    if (detached.length > 0) this.logger.log(`Detached usage event partitions past ${retentionMonths} months of retention: ${detached.join(', ')}`);
    return { created, detached };
  }
}

/** Schedules the maintenance once for every replica (the scheduler id is the job name). */
@Injectable()
export class UsagePartitionsSchedule implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('UsagePartitions');

  constructor(
    @InjectQueue(USAGE_PARTITIONS_QUEUE) private readonly queue: Queue,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  onModuleInit(): void {
    this.queue.on('error', (error: Error) => this.logger.warn(`Usage partitions job queue: ${error.message}`));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue
      .upsertJobScheduler(
        USAGE_PARTITIONS_JOB,
        { every: this.config.usagePartitions.intervalMs },
        { name: USAGE_PARTITIONS_JOB, opts: { removeOnComplete: true, removeOnFail: true } },
      )
      .catch((error: unknown) => this.logger.warn(`Usage partitions maintenance not scheduled: ${error instanceof Error ? error.message : String(error)}`));
  }
}

@Processor(USAGE_PARTITIONS_QUEUE)
export class UsagePartitionsJobs extends WorkerHost {
  private readonly logger = new Logger('UsagePartitions');

  constructor(private readonly maintenance: UsagePartitionsMaintenance) {
    super();
  }

  async process(): Promise<string> {
    const report = await this.maintenance.run();
    return `${report.created.length} partitions created, ${report.detached.length} detached`;
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`Usage partitions job worker: ${error.message}`);
  }
}
