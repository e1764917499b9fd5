import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ProjectionModule } from '../projection/projection.module';
import { TenantsModule } from '../tenants/tenants.module';
import { PlansController, TenantPlanController } from './plans.controller';
import { PlansService } from './plans.service';

/** Plans (limits, models, quota period) and their assignment to tenants. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule, TenantsModule],
  controllers: [PlansController, TenantPlanController],
  providers: [PlansService],
  exports: [PlansService],
})
export class PlansModule {}
