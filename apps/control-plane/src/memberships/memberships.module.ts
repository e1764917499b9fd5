import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ProjectionModule } from '../projection/projection.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { MembershipsController } from './memberships.controller';
import { MembershipsService } from './memberships.service';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';

/** Members of a tenant and their roles. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule, ApiKeysModule, TenantsModule, UsersModule, WebhookOutboxModule],
  controllers: [MembershipsController],
  providers: [MembershipsService],
})
export class MembershipsModule {}
