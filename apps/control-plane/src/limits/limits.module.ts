import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuthModule } from '../auth/auth.module';
import { LimitCounters } from './limit-counters';
import { ApiKeyLimitsController, TenantLimitsController } from './limits.controller';
import { LimitsService } from './limits.service';

/** Live limits: the gateway's admission counters, read from Redis, for a tenant or one key. */
@Module({
  imports: [DataAccessModule, AuthModule],
  controllers: [TenantLimitsController, ApiKeyLimitsController],
  providers: [LimitsService, LimitCounters],
})
export class LimitsModule {}
