import { Module } from '@nestjs/common';
import { DataAccessModule, UnitOfWork, UsageLedgerRepository } from '@sluice/control-plane/data-access';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { LedgerBatchWriter } from './ledger-batch-writer';
import { MeteringService } from './metering.service';
import { UsageThresholds } from './usage-thresholds';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';

/** The consumer of the gateway's usage stream, which writes the usage ledger (`METERING_ENABLED` in docs/operations.md). */
@Module({
  imports: [DataAccessModule, SchemaReadyModule, WebhookOutboxModule],
  providers: [
    {
      provide: LedgerBatchWriter,
      inject: [UnitOfWork, UsageLedgerRepository, UsageThresholds],
      useFactory: (unitOfWork: UnitOfWork, ledger: UsageLedgerRepository, thresholds: UsageThresholds) => new LedgerBatchWriter(unitOfWork, ledger, thresholds),
    },
    UsageThresholds,
    MeteringService,
  ],
})
export class MeteringModule {}
