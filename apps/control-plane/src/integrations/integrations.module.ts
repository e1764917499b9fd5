import { BullModule } from '@nestjs/bullmq';
import { Module, type Provider } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { DataSource } from 'typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { JobRunnerModule } from '../jobs/job-runner';
import { SecretsModule } from '../secrets/secrets.module';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';
import { DataSync } from './data-sync';
import { EventEffects } from './event-effects';
import { EventProcessing, INTEGRATIONS_QUEUE } from './event-processing';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';
import { HealthProber } from './health-prober';
import { HealthService } from './health.service';
import { InboundRateLimit } from './inbound-rate-limit';
import { InboundService } from './inbound.service';
import { integrationJobsProvider, IntegrationSchedules } from './integration-jobs';
import { EventsController, InboundWebhookController, IntegrationStatusController, ProvidersController } from './integrations.controller';
import { PartnerHttp } from './partner-http';
import { ProviderSecrets } from './provider-secrets';
import { ProvidersRepository } from './providers.repository';
import { ProvidersService } from './providers.service';
import { SyncService } from './sync.service';
import { SyncsRepository } from './syncs.repository';

const repositories: Provider[] = [ProvidersRepository, EventsRepository, SyncsRepository].map((repository) => ({
  provide: repository,
  inject: [DataSource],
  useFactory: (dataSource: DataSource) => new repository(dataSource),
}));

/**
 * Integrations (docs/integrations.md): partner providers per tenant, their
 * signed inbound webhooks and the event log, health probes, and data syncs,
 * with retries, probes and syncs run as BullMQ jobs.
 */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ApiKeysModule, SecretsModule, WebhookOutboxModule, SchemaReadyModule, JobRunnerModule, BullModule.registerQueue({ name: INTEGRATIONS_QUEUE })],
  controllers: [ProvidersController, EventsController, IntegrationStatusController, InboundWebhookController],
  providers: [
    ...repositories,
    ProviderSecrets,
    PartnerHttp,
    ProvidersService,
    InboundRateLimit,
    InboundService,
    EventEffects,
    EventProcessing,
    EventsService,
    HealthProber,
    HealthService,
    DataSync,
    SyncService,
    IntegrationSchedules,
    integrationJobsProvider,
  ],
})
export class IntegrationsModule {}
