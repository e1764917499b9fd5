import { Module } from '@nestjs/common';
import { UnitOfWork, UsageLedgerRepository } from '@sluice/control-plane/data-access';
import { LedgerBatchWriter } from './ledger-batch-writer';
import { MeteringService } from './metering.service';

/** The usage stream's consumer (SPEC 5); the ledger repository comes from the global PlansModule. */
@Module({
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
