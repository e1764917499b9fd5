import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { ApiKeyUsageController, TenantUsageController } from './usage.controller';
import { UsageService } from './usage.service';

/** Usage reads from the daily rollups (SPEC 3.4, 3.6). */
@Module({
  imports: [TenancyModule],
  controllers: [TenantUsageController, ApiKeyUsageController],
  providers: [UsageService],
})
export class UsageModule {}
