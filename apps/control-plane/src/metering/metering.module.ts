import { Module } from '@nestjs/common';
import { DataAccessModule, UnitOfWork, UsageLedgerRepository } from '@sluice/control-plane/data-access';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { LedgerBatchWriter } from './ledger-batch-writer';
import { MeteringService } from './metering.service';

/** The consumer of the gateway's usage stream, which writes the usage ledger (`METERING_ENABLED` in docs/operations.md). */
@Module({
  imports: [DataAccessModule, SchemaReadyModule],
  providers: [
    {
      provide: LedgerBatchWriter,
      inject: [UnitOfWork, UsageLedgerRepository],
      useFactory: (unitOfWork: UnitOfWork, ledger: UsageLedgerRepository) => new LedgerBatchWriter(unitOfWork, ledger),
    },
    MeteringService,
  ],
})
export class MeteringModule {}
