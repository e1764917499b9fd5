import { BullModule } from '@nestjs/bullmq';
import { Module, type OnModuleInit } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { DataSource } from 'typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { JobRunnerModule } from '../jobs/job-runner';
import { SecretsModule } from '../secrets/secrets.module';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';
import { DatabaseProvisioner } from './database-provisioner';
import { PrivateAiKeysController } from './private-ai-keys.controller';
import { PRIVATE_AI_KEYS_QUEUE, PrivateAiKeysJobs, PrivateAiKeysMaintenance, PrivateAiKeysSchedule } from './private-ai-keys-maintenance';
import { PrivateAiKeysRepository } from './private-ai-keys.repository';
import { PrivateAiKeysService } from './private-ai-keys.service';
import { StorageThresholds } from './storage-thresholds';

/**
 * Private AI keys (docs/private-ai-keys.md): an API key with a PostgreSQL
 * database of its own on its region's server, the LLM-only token routes of
 * the older key API, and the job that measures and cleans up the databases.
 * Plugs itself into API key creation for `vector_db: true`.
 */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ApiKeysModule, SecretsModule, WebhookOutboxModule, JobRunnerModule, BullModule.registerQueue({ name: PRIVATE_AI_KEYS_QUEUE })],
  controllers: [PrivateAiKeysController],
  providers: [
    { provide: PrivateAiKeysRepository, inject: [DataSource], useFactory: (dataSource: DataSource) => new PrivateAiKeysRepository(dataSource) },
    { provide: DatabaseProvisioner, useValue: new DatabaseProvisioner() },
    PrivateAiKeysService,
    PrivateAiKeysMaintenance,
    StorageThresholds,
    PrivateAiKeysSchedule,
    PrivateAiKeysJobs,
  ],
  exports: [PrivateAiKeysService],
})
export class PrivateAiKeysModule implements OnModuleInit {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly privateKeys: PrivateAiKeysService,
  ) {}

  onModuleInit(): void {
    this.apiKeys.useVectorDatabases(this.privateKeys);
  }
}
