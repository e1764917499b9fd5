import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DataAccessModule, UnitOfWork, UsageLedgerRepository } from '@sluice/control-plane/data-access';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { JobRunnerModule } from '../jobs/job-runner';
import { LedgerBatchWriter } from './ledger-batch-writer';
import { MeteringService } from './metering.service';
import { UsagePartitionsJobs, UsagePartitionsMaintenance, UsagePartitionsSchedule, USAGE_PARTITIONS_QUEUE } from './usage-partitions';
import { UsageThresholds } from './usage-thresholds';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';

/**
 * The consumer of the gateway's usage stream, which writes the usage ledger (`METERING_ENABLED` in docs/operations.md),
 * and the job that keeps the monthly partitions of `usage_events` (docs/operations.md, "Usage event partitions").
 */
@Module({
  imports: [DataAccessModule, SchemaReadyModule, WebhookOutboxModule, JobRunnerModule, BullModule.registerQueue({ name: USAGE_PARTITIONS_QUEUE })],
  providers: [
    {
      provide: LedgerBatchWriter,
      inject: [UnitOfWork, UsageLedgerRepository, UsageThresholds, CONTROL_PLANE_CONFIG],
      useFactory: (unitOfWork: UnitOfWork, ledger: UsageLedgerRepository, thresholds: UsageThresholds, config: ControlPlaneConfig) =>
        new LedgerBatchWriter(unitOfWork, ledger, thresholds, config.metering.writers),
    },
    UsageThresholds,
    MeteringService,
    UsagePartitionsMaintenance,
    UsagePartitionsSchedule,
    UsagePartitionsJobs,
  ],
})
export class MeteringModule {}
