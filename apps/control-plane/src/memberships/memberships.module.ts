import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { MailModule } from '../mail/mail.module';
import { ProjectionModule } from '../projection/projection.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { InvitationAcceptanceController, InvitationsController } from './invitations.controller';
import { InvitationsService } from './invitations.service';
import { MembershipsController } from './memberships.controller';
import { MembershipsService } from './memberships.service';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';

/** Members of a tenant and their roles, and invitations to join it. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule, ApiKeysModule, TenantsModule, UsersModule, MailModule, WebhookOutboxModule],
  controllers: [MembershipsController, InvitationsController, InvitationAcceptanceController],
  providers: [MembershipsService, InvitationsService],
})
export class MembershipsModule {}
