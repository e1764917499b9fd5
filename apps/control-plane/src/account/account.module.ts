import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { MailModule } from '../mail/mail.module';
import { ProjectionModule } from '../projection/projection.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';
import { PersonalTokensController } from './personal-tokens.controller';
import { PersonalTokensService } from './personal-tokens.service';
import { ProfileController } from './profile.controller';
import { ProfileService } from './profile.service';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';
import { TenantSignInController } from './tenant-sign-in.controller';
import { TenantSignUp } from './tenant-sign-up';
import { EmailCodes } from './email-codes';
import { AccountDeletionService } from './account-deletion.service';

/** A person's own account under `/api/auth`: sign-in (password, mailed code, tenant-bound) and refresh, registration, profile, personal tokens. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule, TenantsModule, UsersModule, MailModule, ApiKeysModule, WebhookOutboxModule],
  controllers: [SignInController, TenantSignInController, RegistrationController, ProfileController, PersonalTokensController],
  providers: [SignInService, RegistrationService, TenantSignUp, ProfileService, PersonalTokensService, EmailCodes, AccountDeletionService],
})
export class AccountModule {}
