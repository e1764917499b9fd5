import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { CreditBalanceSync } from './credit-balance-sync';
import { CreditsController } from './credits.controller';
import { CreditsService } from './credits.service';

/** Prepaid credits (SPEC 3.6): top-ups, ledger, and the Redis balance kept in step with it. */
@Module({
  imports: [TenancyModule],
  controllers: [CreditsController],
  providers: [CreditsService, CreditBalanceSync],
  exports: [CreditBalanceSync],
})
export class CreditsModule {}
