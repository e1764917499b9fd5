import { BullModule } from '@nestjs/bullmq';
import { Module, type Provider } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { CreditsModule } from '../credits/credits.module';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { ProjectionModule } from '../projection/projection.module';
import { JobRunnerModule } from '../jobs/job-runner';
import { PlansModule } from '../plans/plans.module';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';
import { BillingController, ProductsController, StripeWebhookController } from './billing.controller';
import { CheckoutService } from './checkout.service';
import { BILLING_QUEUE, BillingJobs, Dunning } from './dunning';
import { createStripeClient, STRIPE } from './stripe-client';
import { ProductsService } from './products.service';
import { StatementsController } from './statements.controller';
import { StatementsService } from './statements.service';
import { StripeEventsService } from './stripe-events.service';

const providers: Provider[] = [
  { provide: STRIPE, inject: [CONTROL_PLANE_CONFIG], useFactory: (config: ControlPlaneConfig) => createStripeClient(config.billing) },
  StatementsService,
  CheckoutService,
  ProductsService,
  StripeEventsService,
  Dunning,
  BillingJobs,
];

/**
 * Billing with Stripe (docs/billing.md): checkout and portal sessions, the
 * webhook that turns payments into credits, plans and suspensions. Imports
 * what it uses explicitly (repositories, the auth floor, audit, credits,
 * projection, the schema gate, the job runner).
 */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, CreditsModule, ProjectionModule, PlansModule, SchemaReadyModule, JobRunnerModule, WebhookOutboxModule, BullModule.registerQueue({ name: BILLING_QUEUE })],
  controllers: [BillingController, StripeWebhookController, ProductsController, StatementsController],
  providers,
  exports: [StripeEventsService],
})
export class BillingModule {}
