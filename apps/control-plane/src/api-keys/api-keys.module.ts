import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { ProjectionModule } from '../projection/projection.module';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';
import { ApiKeyOwners } from './api-key-owners';
import { ApiKeyOwnersReconciler } from './api-key-owners-reconciler';
import { ApiKeyRestrictions } from './api-key-restrictions';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/** Tenant API keys; exports the owner rule that user and membership changes enforce on keys, and applies it to existing keys on start. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule, SchemaReadyModule, WebhookOutboxModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeyRestrictions, ApiKeyOwners, ApiKeyOwnersReconciler],
  exports: [ApiKeyOwners, ApiKeysService],
})
export class ApiKeysModule {}
