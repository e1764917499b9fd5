import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { CreditBalanceSync } from './credit-balance-sync';
import { CreditsController } from './credits.controller';
import { CreditsService } from './credits.service';

/** Prepaid credits: top-ups, ledger, and the Redis balance kept in step with it. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, SchemaReadyModule],
  controllers: [CreditsController],
  providers: [CreditsService, CreditBalanceSync],
  exports: [CreditBalanceSync],
})
export class CreditsModule {}
