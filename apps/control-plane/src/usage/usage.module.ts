import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuthModule } from '../auth/auth.module';
import { ApiKeyUsageController, TenantUsageController } from './usage.controller';
import { UsageService } from './usage.service';

/** Usage reads from the daily rollups, by tenant and by API key. */
@Module({
  imports: [DataAccessModule, AuthModule],
  controllers: [TenantUsageController, ApiKeyUsageController],
  providers: [UsageService],
})
export class UsageModule {}
