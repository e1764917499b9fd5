import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { JobRunnerModule } from '../jobs/job-runner';
import { SecretsModule } from '../secrets/secrets.module';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDeliveryJobs } from './webhook-delivery.processor';
import { WebhookDestinations } from './webhook-destinations';
import { WEBHOOK_QUEUE, WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointAccess } from './webhook-endpoint-access';
import { WebhookEndpointHealth } from './webhook-endpoint-health';
import { WebhookOutboxModule } from './webhook-outbox.module';
import { WebhookRelay } from './webhook-relay';
import { WebhookSender } from './webhook-sender';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Outbound webhooks (docs/webhooks.md): endpoints and their delivery log, the
 * relay from the outbox to deliveries, and the delivery worker. Features that
 * emit events import `WebhookOutboxModule`, not this module.
 */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, SecretsModule, SchemaReadyModule, JobRunnerModule, WebhookOutboxModule, BullModule.registerQueue({ name: WEBHOOK_QUEUE })],
  controllers: [WebhooksController],
  providers: [
    {
      provide: WebhookDestinations,
      inject: [CONTROL_PLANE_CONFIG],
      useFactory: (config: ControlPlaneConfig) => new WebhookDestinations({ requireHttps: config.webhooks.requireHttps, allowedPrivate: config.webhooks.allowedPrivate }),
    },
    {
      provide: WebhookSender,
      inject: [WebhookDestinations, CONTROL_PLANE_CONFIG],
      useFactory: (destinations: WebhookDestinations, config: ControlPlaneConfig) => new WebhookSender(destinations.policy, config.webhooks.timeoutMs),
    },
    WebhooksService,
    WebhookDeliveriesService,
    WebhookEndpointAccess,
    WebhookEndpointHealth,
    WebhookDispatcher,
    WebhookDeliverer,
    WebhookRelay,
    WebhookDeliveryJobs,
  ],
})
export class WebhooksModule {}
