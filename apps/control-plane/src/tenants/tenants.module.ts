import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ProjectionModule } from '../projection/projection.module';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';
import { TenantQuotaSource } from './tenant-quota-source';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

/** Tenants and their lifecycle; exports how a tenant and its quota are rendered, for plans, memberships and sign-up. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule, WebhookOutboxModule],
  controllers: [TenantsController],
  providers: [TenantsService, TenantQuotaSource],
  exports: [TenantsService, TenantQuotaSource],
})
export class TenantsModule {}
